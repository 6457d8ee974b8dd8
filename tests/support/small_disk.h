#pragma once

#include <memory>
#include <string>

namespace swas::testing {

// A small tmpfs mounted on a directory of the test's own, for disk-full tests: fill() takes
// every free byte, release() gives them back. Unmounted when it goes. Mounting needs root;
// mount() answers nullptr and says why in `why` otherwise (the test then skips).
class SmallDisk {
 public:
  static std::unique_ptr<SmallDisk> mount(const std::string& dir, size_t bytes, std::string& why);
  ~SmallDisk();
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;

  const std::string& path() const { return dir_; }
  void fill();
  void release();

 private:
  explicit SmallDisk(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
};

}  // namespace swas::testing
