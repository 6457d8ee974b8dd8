#pragma once

// A string from a small, recurring set (statuses, error codes, instance ids) kept once for the
// process and held by pointer: 8 bytes where a std::string is 32 plus, past 15 characters, its
// own heap copy. The region's in-memory state holds one per tracked pair. The pool only grows,
// by each distinct value once: the API's statuses and error codes, and the fleet's instance ids
// (an instance retired stays, a few dozen bytes). Standard library only; thread-safe.

#include <compare>
#include <string>
#include <string_view>

namespace swas::core {

class Interned {
 public:
  Interned() : s_(&emptyText()) {}
  Interned(std::string_view text);  // NOLINT(google-explicit-constructor): reads as a string
  Interned(const std::string& text) : Interned(std::string_view(text)) {}  // NOLINT
  Interned(const char* text) : Interned(std::string_view(text)) {}         // NOLINT

  const std::string& str() const { return *s_; }
  operator const std::string&() const { return *s_; }  // NOLINT(google-explicit-constructor)
  operator std::string_view() const { return *s_; }    // NOLINT(google-explicit-constructor)
  bool empty() const { return s_->empty(); }

  // One pool: equal text is the same pointer.
  friend bool operator==(Interned a, Interned b) { return a.s_ == b.s_; }
  friend bool operator==(Interned a, std::string_view b) { return *a.s_ == b; }
  friend bool operator==(Interned a, const std::string& b) { return *a.s_ == b; }
  friend bool operator==(Interned a, const char* b) { return *a.s_ == b; }
  friend std::strong_ordering operator<=>(Interned a, Interned b) { return *a.s_ <=> *b.s_; }

  // Orders by text, and finds by any string without interning it.
  struct Less {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const { return a < b; }
  };

 private:
  static const std::string& emptyText();
  const std::string* s_;
};

}  // namespace swas::core
