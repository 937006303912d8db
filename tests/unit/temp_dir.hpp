// The unit tests' scratch directory: a fresh directory under /tmp, removed
// with everything in it when the object goes.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace wd::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "wd-unit") {
    std::string templ = "/tmp/" + prefix + "-XXXXXX";
    if (!::mkdtemp(templ.data())) throw std::runtime_error("mkdtemp " + templ + " failed");
    path_ = templ;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Writes `text` to path()/rel, making the directories on the way.
  std::filesystem::path write(const std::string& rel, const std::string& text, mode_t mode = 0644) const {
    std::filesystem::path p = path_ / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
    ::chmod(p.c_str(), mode);
    return p;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace wd::testing
