#include "app_build/digest.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>

#include <fmt/format.h>
#include <openssl/evp.h>

namespace wd {

struct Sha256::Impl {
  EVP_MD_CTX* ctx = nullptr;
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) {
  impl_->ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(impl_->ctx, EVP_sha256(), nullptr);
}

Sha256::~Sha256() { EVP_MD_CTX_free(impl_->ctx); }

void Sha256::update(std::string_view data) { EVP_DigestUpdate(impl_->ctx, data.data(), data.size()); }

void Sha256::field(std::string_view data) {
  update(fmt::format("{}:", data.size()));
  update(data);
}

std::string Sha256::hex() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(impl_->ctx, md, &len);
  std::string out;
  out.reserve(static_cast<size_t>(len) * 2);
  for (unsigned int i = 0; i < len; ++i) out += fmt::format("{:02x}", md[i]);
  return out;
}

std::string sha256_hex(std::string_view data) {
  Sha256 h;
  h.update(data);
  return h.hex();
}

std::string digest_of(const std::vector<DigestInput>& inputs) {
  Sha256 h;
  for (const auto& i : inputs) {
    h.field(i.name);
    h.field(i.value);
  }
  return h.hex();
}

Result<std::string> file_fingerprint(const fs::path& path) {
  WD_ASSIGN(auto text, read_file_if_exists(path));
  if (!text) return std::string("missing");
  return sha256_hex(*text);
}

namespace {

struct Walker {
  const std::vector<fs::path>& exclude;
  Sha256 hash;
  std::string error;

  bool excluded(const fs::path& p) const { return std::find(exclude.begin(), exclude.end(), p) != exclude.end(); }

  // Entries are visited in name order so the digest does not depend on readdir order.
  void walk(const fs::path& dir, const std::string& rel) {
    DIR* d = ::opendir(dir.c_str());
    if (!d) {
      if (error.empty()) error = fmt::format("cannot read directory {}: {}", dir.string(), errno_text(errno));
      return;
    }
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d)) {
      std::string_view n = e->d_name;
      if (n == "." || n == ".." || n == ".git" || n == "__pycache__") continue;
      names.emplace_back(n);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      fs::path path = dir / name;
      if (excluded(path)) continue;
      std::string r = rel.empty() ? name : rel + "/" + name;
      struct stat st;
      if (::lstat(path.c_str(), &st) != 0) continue;  // vanished while we looked
      std::string record = fmt::format("{}\t{:o}\t{}\t{}.{:09}", r, st.st_mode, st.st_size,
                                       static_cast<long long>(st.st_mtim.tv_sec), st.st_mtim.tv_nsec);
      if (S_ISLNK(st.st_mode)) {
        char target[4096];
        ssize_t n = ::readlink(path.c_str(), target, sizeof target);
        if (n > 0) record += "\t" + std::string(target, static_cast<size_t>(n));
      }
      hash.field(record);
      if (S_ISDIR(st.st_mode)) walk(path, r);
    }
  }
};

}  // namespace

Result<std::string> source_digest(const fs::path& root, const std::vector<fs::path>& exclude) {
  Walker w{exclude, {}, {}};
  w.walk(root, "");
  if (!w.error.empty()) return make_error(w.error);
  return w.hash.hex();
}

}  // namespace wd
