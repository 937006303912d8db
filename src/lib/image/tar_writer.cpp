#include "tar_writer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <array>
#include <cstring>

#include <fmt/format.h>

namespace wd::image {

namespace {

constexpr size_t kBlock = 512;
constexpr uint64_t kMaxOctalSize = 077777777777ULL;  // 11 octal digits

void put_octal(char* field, size_t width, uint64_t value) {
  // width includes the terminating NUL
  std::string digits = fmt::format("{:0{}o}", value, width - 1);
  std::memcpy(field, digits.data(), width - 1);
  field[width - 1] = '\0';
}

// One pax record: "LEN key=value\n", where LEN counts the whole record.
std::string pax_record(std::string_view key, std::string_view value) {
  size_t body = key.size() + value.size() + 3;  // ' ', '=', '\n'
  size_t len = body + 1;
  while (std::to_string(len).size() + body != len) ++len;
  return fmt::format("{} {}={}\n", len, key, value);
}

}  // namespace

Status TarWriter::write(const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd_, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error(fmt::format("cannot write {}: {}", what_, errno_text(errno)));
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
  return {};
}

Status TarWriter::pad(uint64_t size) {
  static const std::array<char, kBlock> zeros{};
  size_t rest = static_cast<size_t>(size % kBlock);
  if (rest == 0) return {};
  return write(zeros.data(), kBlock - rest);
}

Status TarWriter::header(std::string_view name, char type, mode_t mode, uint64_t size, time_t mtime,
                         std::string_view link) {
  std::string pax;
  if (name.size() > 100) pax += pax_record("path", name);
  if (link.size() > 100) pax += pax_record("linkpath", link);
  if (size > kMaxOctalSize) pax += pax_record("size", std::to_string(size));
  if (!pax.empty()) {
    WD_TRY(header("././@PaxHeader", 'x', 0644, pax.size(), mtime));
    --entries_;  // the extended header is not an entry of its own
    WD_TRY(write(pax.data(), pax.size()));
    WD_TRY(pad(pax.size()));
  }

  std::array<char, kBlock> h{};
  std::memcpy(h.data(), name.data(), std::min<size_t>(name.size(), 100));
  put_octal(&h[100], 8, mode & 07777);
  put_octal(&h[108], 8, 0);  // uid
  put_octal(&h[116], 8, 0);  // gid
  put_octal(&h[124], 12, size > kMaxOctalSize ? 0 : size);
  put_octal(&h[136], 12, mtime < 0 ? 0 : static_cast<uint64_t>(mtime));
  h[156] = type;
  if (!link.empty())  // an empty string_view may hold a null pointer, which memcpy must not get
    std::memcpy(&h[157], link.data(), std::min<size_t>(link.size(), 100));
  std::memcpy(&h[257], "ustar", 6);  // magic "ustar\0"
  std::memcpy(&h[263], "00", 2);     // version
  std::memcpy(&h[265], "root", 4);   // uname
  std::memcpy(&h[297], "root", 4);   // gname
  std::memset(&h[148], ' ', 8);      // checksum is computed with blanks in its place
  unsigned sum = 0;
  for (char c : h) sum += static_cast<unsigned char>(c);
  std::string checksum = fmt::format("{:06o}", sum);
  std::memcpy(&h[148], checksum.data(), 6);
  h[154] = '\0';
  h[155] = ' ';
  ++entries_;
  return write(h.data(), h.size());
}

Status TarWriter::add_directory(std::string_view name, mode_t mode, time_t mtime) {
  std::string n(name);
  if (n.empty() || n.back() != '/') n += '/';
  return header(n, '5', mode, 0, mtime);
}

Status TarWriter::add_data(std::string_view name, std::string_view data, mode_t mode, time_t mtime) {
  WD_TRY(header(name, '0', mode, data.size(), mtime));
  WD_TRY(write(data.data(), data.size()));
  return pad(data.size());
}

Status TarWriter::add_symlink(std::string_view name, std::string_view target, time_t mtime) {
  return header(name, '2', 0777, 0, mtime, target);
}

Status TarWriter::add_file(std::string_view name, const fs::path& from) {
  int fd = ::open(from.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return make_error(fmt::format("cannot read {}: {}", from.string(), errno_text(errno)));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return make_error(fmt::format("cannot stat {}: {}", from.string(), errno_text(errno)));
  uint64_t size = static_cast<uint64_t>(st.st_size);
  WD_TRY(header(name, '0', st.st_mode, size, st.st_mtime));
  std::array<char, 65536> buf{};
  uint64_t left = size;
  while (left > 0) {
    ssize_t n = ::read(fd, buf.data(), static_cast<size_t>(std::min<uint64_t>(left, buf.size())));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return make_error(fmt::format("cannot read {}: {}", from.string(), errno_text(errno)));
    if (n == 0) return make_error(fmt::format("{} shrank while it was being archived", from.string()));
    WD_TRY(write(buf.data(), static_cast<size_t>(n)));
    left -= static_cast<uint64_t>(n);
  }
  return pad(size);
}

Status TarWriter::add_tree(std::string_view prefix, const fs::path& root, const std::vector<SourceEntry>& entries) {
  struct stat st {};
  if (::stat(root.c_str(), &st) != 0)
    return make_error(fmt::format("cannot stat {}: {}", root.string(), errno_text(errno)));
  std::string base(prefix);
  WD_TRY(add_directory(base, st.st_mode, st.st_mtime));
  for (const auto& entry : entries) {
    fs::path path = root / entry.relpath;
    std::string name = base + "/" + entry.relpath;
    switch (entry.kind) {
      case SourceEntry::Kind::directory: {
        if (::lstat(path.c_str(), &st) != 0)
          return make_error(fmt::format("cannot stat {}: {}", path.string(), errno_text(errno)));
        WD_TRY(add_directory(name, st.st_mode, st.st_mtime));
        break;
      }
      case SourceEntry::Kind::file:
        WD_TRY(add_file(name, path));
        break;
      case SourceEntry::Kind::symlink: {
        std::error_code ec;
        fs::path target = fs::read_symlink(path, ec);
        if (ec) return make_error(fmt::format("cannot read symlink {}: {}", path.string(), ec.message()));
        if (::lstat(path.c_str(), &st) != 0)
          return make_error(fmt::format("cannot stat {}: {}", path.string(), errno_text(errno)));
        WD_TRY(add_symlink(name, target.string(), st.st_mtime));
        break;
      }
    }
  }
  return {};
}

Status TarWriter::finish() {
  static const std::array<char, 2 * kBlock> zeros{};
  return write(zeros.data(), zeros.size());
}

}  // namespace wd::image
