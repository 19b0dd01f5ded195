#include "gateway/core/atomic_file.hpp"

#include <cerrno>

#include <fcntl.h>
#include <unistd.h>

namespace kq::core {

namespace {

std::error_code last_error() { return {errno, std::generic_category()}; }

// write(2) may write less than asked (a signal, a full pipe); a file needs all of it.
bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

std::error_code write_file_atomically(const std::filesystem::path& target, std::string_view bytes, mode_t mode) {
  const std::filesystem::path folder = target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
  const std::filesystem::path temp = folder / ("." + target.filename().string() + ".tmp");
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return last_error();
  std::error_code ec;
  if (!write_all(fd, bytes) || ::fsync(fd) != 0) ec = last_error();
  if (::close(fd) != 0 && !ec) ec = last_error();
  if (!ec && ::rename(temp.c_str(), target.c_str()) != 0) ec = last_error();
  if (ec) {
    ::unlink(temp.c_str());
    return ec;
  }
  // The rename is a change to the folder: without this it may be lost in a power cut even though
  // the file's bytes were flushed.
  if (const int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
    if (::fsync(dir) != 0) ec = last_error();
    ::close(dir);
  }
  return ec;
}

}  // namespace kq::core
