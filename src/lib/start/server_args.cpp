#include "start/server_args.hpp"

#include <fmt/format.h>

namespace wd {

namespace {

bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }
bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

class Parser {
 public:
  Parser(std::string_view text, const EnvVars& env, const std::string& origin)
      : text_(text), env_(env), origin_(origin) {}

  Result<ServerArgs> run() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (is_blank(c)) {
        end_word();
        advance();
      } else if (c == '#' && !in_word_) {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else if (c == '\'') {
        WD_TRY(single_quoted());
      } else if (c == '"') {
        WD_TRY(double_quoted());
      } else if (c == '\\') {
        advance();
        if (pos_ < text_.size()) {
          if (text_[pos_] != '\n') append(text_[pos_]);  // backslash-newline continues the line
          advance();
        }
      } else if (c == '$') {
        WD_TRY(dollar(false));
      } else {
        if (c == '`') backquote_warning();
        append(c);
        advance();
      }
    }
    end_word();
    return std::move(out_);
  }

 private:
  void advance() {
    if (text_[pos_] == '\n') ++line_;
    ++pos_;
  }
  void append(char c) {
    word_ += c;
    in_word_ = true;
  }
  void append(std::string_view s) {
    word_ += s;
    in_word_ = true;
  }
  void end_word() {
    if (in_word_) out_.words.push_back(word_);
    word_.clear();
    in_word_ = false;
  }
  Error error(std::string_view what) const { return make_error(fmt::format("{}: line {}: {}", origin_, line_, what)); }
  // Once per line: the opening and closing backquote are one substitution.
  void backquote_warning() {
    std::string message = fmt::format(
        "{}: line {}: `...` is not run: warpdrive expands only $VAR and ${{VAR}} "
        "in server_args and passes the rest on as text",
        origin_, line_);
    if (out_.warnings.empty() || out_.warnings.back() != message) out_.warnings.push_back(std::move(message));
  }

  Status single_quoted() {
    int start_line = line_;
    advance();
    in_word_ = true;
    while (pos_ < text_.size() && text_[pos_] != '\'') {
      word_ += text_[pos_];
      advance();
    }
    if (pos_ >= text_.size()) return make_error(fmt::format("{}: line {}: unterminated ' quote", origin_, start_line));
    advance();
    return {};
  }

  Status double_quoted() {
    int start_line = line_;
    advance();
    in_word_ = true;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      char c = text_[pos_];
      if (c == '\\' && pos_ + 1 < text_.size() &&
          std::string_view("$`\"\\\n").find(text_[pos_ + 1]) != std::string_view::npos) {
        advance();
        if (text_[pos_] != '\n') word_ += text_[pos_];
        advance();
      } else if (c == '$') {
        WD_TRY(dollar(true));
      } else {
        if (c == '`') backquote_warning();
        word_ += c;
        advance();
      }
    }
    if (pos_ >= text_.size()) return make_error(fmt::format("{}: line {}: unterminated \" quote", origin_, start_line));
    advance();
    return {};
  }

  // At a '$': an expansion, or a literal '$'.
  Status dollar(bool quoted) {
    size_t next = pos_ + 1;
    if (next < text_.size() && text_[next] == '{') {
      size_t close = text_.find('}', next);
      size_t line_end = text_.find('\n', next);
      if (close == std::string_view::npos || (line_end != std::string_view::npos && line_end < close)) {
        std::string_view rest =
            text_.substr(pos_, (line_end == std::string_view::npos ? text_.size() : line_end) - pos_);
        return error(fmt::format("unterminated ${{ in '{}' (expected a closing }})", rest));
      }
      std::string_view inner = text_.substr(next + 1, close - next - 1);
      WD_ASSIGN(std::string value, braced(inner));
      pos_ = close + 1;
      insert(value, quoted);
      return {};
    }
    if (next < text_.size() && is_name_start(text_[next])) {
      size_t end = next;
      while (end < text_.size() && is_name_char(text_[end])) ++end;
      std::string name(text_.substr(next, end - next));
      pos_ = end;
      insert(env_.get_or(name, ""), quoted);
      return {};
    }
    if (next < text_.size() && text_[next] == '(')
      out_.warnings.push_back(
          fmt::format("{}: line {}: $(...) is not run: warpdrive expands only $VAR and ${{VAR}} "
                      "in server_args and passes the rest on as text",
                      origin_, line_));
    if (quoted)
      word_ += '$';
    else
      append('$');
    advance();
    return {};
  }

  // NAME, NAME:-word or NAME-word.
  Result<std::string> braced(std::string_view inner) const {
    size_t n = 0;
    while (n < inner.size() && is_name_char(inner[n])) ++n;
    bool valid_name = n > 0 && is_name_start(inner[0]);
    std::string name(inner.substr(0, n));
    std::string_view rest = inner.substr(n);
    if (valid_name && rest.empty()) return env_.get_or(name, "");
    if (valid_name && rest.substr(0, 2) == ":-") {
      return env_.is_set(name) ? *env_.get(name) : std::string(rest.substr(2));
    }
    if (valid_name && rest.substr(0, 1) == "-") {
      return env_.has(name) ? *env_.get(name) : std::string(rest.substr(1));
    }
    return error(
        fmt::format("unsupported expansion ${{{}}}: only $NAME, ${{NAME}}, ${{NAME:-default}} and "
                    "${{NAME-default}} are expanded",
                    inner));
  }

  // A quoted expansion joins the current word; an unquoted one is split at blanks.
  void insert(const std::string& value, bool quoted) {
    if (quoted) {
      word_ += value;
      return;
    }
    size_t i = 0;
    while (i < value.size()) {
      if (is_blank(value[i])) {
        end_word();
        while (i < value.size() && is_blank(value[i])) ++i;
        continue;
      }
      append(value[i]);
      ++i;
    }
  }

  std::string_view text_;
  const EnvVars& env_;
  const std::string& origin_;
  size_t pos_ = 0;
  int line_ = 1;
  std::string word_;
  bool in_word_ = false;
  ServerArgs out_;
};

}  // namespace

Result<ServerArgs> parse_server_args(std::string_view text, const EnvVars& env, const std::string& origin) {
  return Parser(text, env, origin).run();
}

Result<ServerArgs> load_server_args(const Settings& settings, std::string_view server, const EnvVars& env) {
  fs::path path = settings.warpdrive_dir() / "server_args";
  if (is_dir(path)) path /= std::string(server);
  WD_ASSIGN(auto text, read_file_if_exists(path));
  if (!text) return ServerArgs{};
  WD_ASSIGN(ServerArgs args, parse_server_args(*text, env, path.string()));
  args.file = path;
  return args;
}

bool has_option(const std::vector<std::string>& words, const std::vector<std::string_view>& names) {
  for (const auto& w : words) {
    for (std::string_view name : names) {
      if (w == name) return true;
      if (name.size() > 2 && name.substr(0, 2) == "--") {
        if (w.size() > name.size() && w.compare(0, name.size(), name) == 0 && w[name.size()] == '=') return true;
      } else if (name.size() == 2 && w.size() > 2 && w.compare(0, 2, name) == 0 && w[1] != '-') {
        return true;  // -w4
      }
    }
  }
  return false;
}

void default_option(std::vector<std::string>& argv, const std::vector<std::string>& user,
                    const std::vector<std::string_view>& names, std::string_view option, std::string value) {
  if (has_option(user, names)) return;
  argv.emplace_back(option);
  argv.push_back(std::move(value));
}

}  // namespace wd
