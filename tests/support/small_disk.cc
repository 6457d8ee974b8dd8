#include "tests/support/small_disk.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

namespace swas::testing {

std::unique_ptr<SmallDisk> SmallDisk::mount(const std::string& dir, size_t bytes,
                                            std::string& why) {
  if (geteuid() != 0) {
    why = "mounting a small tmpfs needs root";
    return nullptr;
  }
  std::filesystem::create_directories(dir);
  std::string options = "size=" + std::to_string(bytes) + ",mode=0700";
  if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, options.c_str()) != 0) {
    why = std::string("mount tmpfs on ") + dir + ": " + std::strerror(errno);
    return nullptr;
  }
  return std::unique_ptr<SmallDisk>(new SmallDisk(dir));
}

SmallDisk::~SmallDisk() { ::umount2(dir_.c_str(), MNT_DETACH); }

void SmallDisk::fill() {
  int fd = ::open((dir_ + "/filler").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return;
  std::vector<char> block(4096, 'f');
  while (::write(fd, block.data(), block.size()) > 0) {
  }
  // The last partial block too.
  while (::write(fd, block.data(), 1) > 0) {
  }
  ::close(fd);
}

void SmallDisk::release() { std::filesystem::remove(dir_ + "/filler"); }

}  // namespace swas::testing
