// A tar stream writer (POSIX ustar, with pax headers for long names and
// large files), for the archive `warpdrive image` injects into the builder
// container. Entries are owned by 0:0 with the source's permission bits and
// modification times; whoever extracts them (the builder's user) owns them.
#pragma once

#include <sys/types.h>
#include <ctime>
#include <string>
#include <string_view>

#include "error.hpp"
#include "fsutil.hpp"
#include "s2i_source.hpp"

namespace wd::image {

class TarWriter {
 public:
  // Writes to `fd`, which the caller owns; `what` names the archive in errors.
  TarWriter(int fd, std::string what) : fd_(fd), what_(std::move(what)) {}

  Status add_directory(std::string_view name, mode_t mode, time_t mtime);
  Status add_data(std::string_view name, std::string_view data, mode_t mode, time_t mtime);
  // Streams the file's contents; an error names `from` when it cannot be read
  // or changes size while being read.
  Status add_file(std::string_view name, const fs::path& from);
  Status add_symlink(std::string_view name, std::string_view target, time_t mtime);
  // Adds `root` as `prefix/` followed by each entry of `entries`.
  Status add_tree(std::string_view prefix, const fs::path& root, const std::vector<SourceEntry>& entries);
  // The end-of-archive marker (two zero blocks).
  Status finish();

  size_t entries() const { return entries_; }

 private:
  Status header(std::string_view name, char type, mode_t mode, uint64_t size, time_t mtime, std::string_view link = {});
  Status write(const void* data, size_t size);
  Status pad(uint64_t size);

  int fd_;
  std::string what_;
  size_t entries_ = 0;
};

}  // namespace wd::image
