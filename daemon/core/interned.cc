#include "daemon/core/interned.h"

#include <functional>
#include <mutex>
#include <unordered_set>

namespace swas::core {
namespace {

struct TextHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};

struct Pool {
  std::mutex mutex;
  std::unordered_set<std::string, TextHash, std::equal_to<>> texts;  // nodes never move
};

Pool& pool() {
  static auto* p = new Pool;  // never destroyed: Interned values may outlive static destructors
  return *p;
}

}  // namespace

const std::string& Interned::emptyText() {
  static const std::string* e = [] {
    Pool& p = pool();
    std::lock_guard lock(p.mutex);
    return &*p.texts.emplace().first;
  }();
  return *e;
}

Interned::Interned(std::string_view text) {
  if (text.empty()) {
    s_ = &emptyText();
    return;
  }
  Pool& p = pool();
  std::lock_guard lock(p.mutex);
  auto it = p.texts.find(text);
  if (it == p.texts.end()) it = p.texts.emplace(text).first;
  s_ = &*it;
}

}  // namespace swas::core
