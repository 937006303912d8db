// Digests for the build cache: SHA-256 (OpenSSL) over the dependency inputs,
// and a cheap fingerprint of the source tree.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "error.hpp"
#include "fsutil.hpp"

namespace wd {

// Incremental SHA-256; hex() finishes it.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::string_view data);
  // A length-prefixed field, so ("ab","c") and ("a","bc") differ.
  void field(std::string_view data);
  std::string hex();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::string sha256_hex(std::string_view data);

// One named input of the dependency digest, e.g. {"file requirements.txt", "<sha256>"}.
// The list is what `build --dry-run` prints, so a user can see why a digest changed.
struct DigestInput {
  std::string name;
  std::string value;
};
std::string digest_of(const std::vector<DigestInput>& inputs);

// A file's input value: the SHA-256 of its contents, or "missing".
Result<std::string> file_fingerprint(const fs::path& path);

// The source tree's fingerprint: for every entry under `root` (not following
// symbolic links), its relative path, type, mode, size and mtime in
// nanoseconds (a link's target instead of its contents). Directories named
// .git and __pycache__ are skipped, and so is every path in `exclude` (the
// virtualenv's own directories when they live inside the source). Contents are
// not read, which keeps a no-op build fast; any edit changes the mtime.
Result<std::string> source_digest(const fs::path& root, const std::vector<fs::path>& exclude);

}  // namespace wd
