// The exact tiktoken-compatible tokenizer: loads <encoding>.tiktoken (base64 token, rank per
// line) and <encoding>.meta.json (the encoding's own pre-tokenisation regex), splits text with
// PCRE2 (UTF + UCP, JIT-compiled) and merges each piece with bpe_merge. Also the model →
// encoding map and the search for the installed data folder.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <memory>
#include <system_error>

#include "core/file_util.hpp"
#include "core/json_util.hpp"
#include "doctown/tokenizer.hpp"
#include "tokenizer/bpe.hpp"

namespace doctown {
namespace fs = std::filesystem;

namespace {

// ---- loading --------------------------------------------------------------------------------

int base64_value(char c) noexcept {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Standard base64 with '=' padding; false on any other character or a bad length.
bool base64_decode(std::string_view in, std::string& out) {
  out.clear();
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = base64_value(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return bits < 6;  // a lone trailing sextet cannot encode a byte
}

constexpr std::uint64_t kMaxRank = 1u << 24;

result<void> parse_ranks(std::string_view text, const fs::path& file, detail::RankTable& table) {
  std::size_t lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  table.reserve(lines, text.size() / 2);
  std::string token;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    std::size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    std::size_t sp = line.find(' ');
    auto where = file.string() + ":" + std::to_string(line_no);
    if (sp == std::string_view::npos)
      return fail(errc::parse_error, "rank file line is not '<base64 token> <rank>'; "
                  "replace the file with a standard .tiktoken file", where);
    std::string_view rank_text = line.substr(sp + 1);
    std::uint64_t rank = 0;
    if (rank_text.empty() || rank_text.size() > 9)
      return fail(errc::parse_error, "bad rank number in rank file", where);
    for (char c : rank_text) {
      if (c < '0' || c > '9') return fail(errc::parse_error, "bad rank number in rank file", where);
      rank = rank * 10 + static_cast<unsigned>(c - '0');
    }
    // The decoder's table is indexed by rank: a huge rank would cost gigabytes for one token.
    // Real encodings stay far below this (o200k_base has about 200,000 ranks).
    if (rank >= kMaxRank)
      return fail(errc::parse_error,
                  "rank " + std::to_string(rank) + " is too large (limit " +
                      std::to_string(kMaxRank) + "); is this a .tiktoken file?",
                  where);
    if (!base64_decode(line.substr(0, sp), token) || token.empty())
      return fail(errc::parse_error, "bad base64 token in rank file", where);
    if (!table.insert(token, static_cast<std::uint32_t>(rank)))
      return fail(errc::parse_error, "duplicate token or rank in rank file", where);
  }
  for (int b = 0; b < 256; ++b)
    if (table.byte_rank(static_cast<unsigned char>(b)) == detail::no_rank)
      return fail(errc::parse_error,
                  "rank file lacks the single byte " + std::to_string(b) +
                      ", so some text could not be encoded; use a complete byte-level BPE file",
                  file.string());
  return {};
}

// ---- the tokenizer --------------------------------------------------------------------------

struct CodeDeleter {
  void operator()(pcre2_code* c) const noexcept { pcre2_code_free(c); }
};
struct MatchDataDeleter {
  void operator()(pcre2_match_data* m) const noexcept { pcre2_match_data_free(m); }
};
struct JitStackDeleter {
  void operator()(pcre2_jit_stack* s) const noexcept { pcre2_jit_stack_free(s); }
};
struct MatchContextDeleter {
  void operator()(pcre2_match_context* m) const noexcept { pcre2_match_context_free(m); }
};

class BpeTokenizer final : public Tokenizer {
 public:
  BpeTokenizer(std::string name, detail::RankTable table, pcre2_code* code, bool jit,
               std::vector<std::pair<std::string, std::uint32_t>> specials, bool allow_special)
      : name_(std::move(name)),
        table_(std::move(table)),
        code_(code),
        jit_(jit),
        specials_(std::move(specials)),
        allow_special_(allow_special && !specials_.empty()) {}

  std::vector<std::uint32_t> encode(std::string_view text) const override {
    std::vector<std::uint32_t> out;
    out.reserve(text.size() / 3 + 4);
    segments(
        text,
        [&](std::string_view piece) { detail::bpe_merge(table_, piece, out); },
        [&](std::uint32_t id) { out.push_back(id); });
    return out;
  }

  std::size_t count(std::string_view text) const override {
    std::size_t n = 0;
    std::vector<std::uint32_t> scratch;
    segments(
        text,
        [&](std::string_view piece) {
          scratch.clear();
          detail::bpe_merge(table_, piece, scratch);
          n += scratch.size();
        },
        [&](std::uint32_t) { ++n; });
    return n;
  }

  std::string decode(std::span<const std::uint32_t> ids) const override {
    std::string out;
    for (std::uint32_t id : ids) {
      std::string_view b = table_.bytes_of(id);
      if (b.empty())
        for (const auto& [text, sid] : specials_)
          if (sid == id) b = text;
      out.append(b);
    }
    return out;
  }

  std::string_view name() const override { return name_; }

 private:
  // Ordinary text goes through split(); with allow_special, special-token text found in it is
  // cut out first (as tiktoken does) and reported as its id.
  template <class F, class G>
  void segments(std::string_view text, F&& piece, G&& special) const {
    if (!allow_special_) {
      split(text, piece);
      return;
    }
    std::size_t from = 0, at = 0;
    while ((at = text.find("<|", at)) != std::string_view::npos) {
      const std::pair<std::string, std::uint32_t>* hit = nullptr;
      for (const auto& sp : specials_)
        if (text.substr(at, sp.first.size()) == sp.first &&
            (!hit || sp.first.size() > hit->first.size()))
          hit = &sp;
      if (!hit) {
        at += 2;
        continue;
      }
      split(text.substr(from, at - from), piece);
      special(hit->second);
      at += hit->first.size();
      from = at;
    }
    split(text.substr(from), piece);
  }

  // Walk the regex matches over `text`, calling `f` with each piece. Bytes the regex cannot
  // match (only invalid UTF-8, which PCRE2_MATCH_INVALID_UTF never matches) become pieces of
  // their own, so every byte is encoded and decode(encode(x)) == x for any input.
  template <class F>
  void split(std::string_view text, F&& f) const {
    if (text.empty()) return;
    std::unique_ptr<pcre2_match_data, MatchDataDeleter> md(
        pcre2_match_data_create_from_pattern(code_.get(), nullptr));
    std::unique_ptr<pcre2_jit_stack, JitStackDeleter> big_stack;
    std::unique_ptr<pcre2_match_context, MatchContextDeleter> mctx;
    const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    const std::size_t n = text.size();
    std::size_t at = 0;
    while (at < n) {
      int rc = jit_ && !mctx ? pcre2_jit_match(code_.get(), subject, n, at, 0, md.get(), nullptr)
                             : pcre2_match(code_.get(), subject, n, at, 0, md.get(), mctx.get());
      if (rc == PCRE2_ERROR_JIT_STACKLIMIT && !mctx) {
        // Deep backtracking on a huge piece: retry with a large JIT stack, made only when needed.
        big_stack.reset(pcre2_jit_stack_create(32 * 1024, 64 * 1024 * 1024, nullptr));
        mctx.reset(pcre2_match_context_create(nullptr));
        if (big_stack && mctx) pcre2_jit_stack_assign(mctx.get(), nullptr, big_stack.get());
        continue;
      }
      if (rc < 0) {
        // No match (only undecodable bytes remain) or an engine limit: the rest up to the
        // next line break becomes one raw piece so progress is always made.
        std::size_t stop = rc == PCRE2_ERROR_NOMATCH ? n : text.find('\n', at + 1);
        if (stop == std::string_view::npos) stop = n;
        f(text.substr(at, stop - at));
        at = stop;
        continue;
      }
      const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md.get());
      std::size_t b = ov[0], e = ov[1];
      if (b > at) f(text.substr(at, b - at));
      if (e <= b) {  // an empty match cannot happen with tiktoken patterns; never loop on it
        f(text.substr(b, 1));
        at = b + 1;
        continue;
      }
      f(text.substr(b, e - b));
      at = e;
    }
  }

  std::string name_;
  detail::RankTable table_;
  std::unique_ptr<pcre2_code, CodeDeleter> code_;
  bool jit_ = false;
  std::vector<std::pair<std::string, std::uint32_t>> specials_;
  bool allow_special_ = false;
};

bool safe_encoding_name(std::string_view s) {
  return !s.empty() && s.size() < 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || c == '.';
  }) && s.find("..") == std::string_view::npos;
}

std::string available_encodings(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".tiktoken") names.push_back(it->path().stem().string());
  std::sort(names.begin(), names.end());
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s.empty() ? "none" : s;
}


}  // namespace

result<std::shared_ptr<const Tokenizer>> load_tokenizer(const TokenizerOptions& options) {
  if (!safe_encoding_name(options.encoding))
    return fail(errc::invalid_argument,
                "unknown encoding '" + options.encoding + "'; use o200k_base or cl100k_base");
  fs::path dir = options.data_dir;
  if (dir.empty()) {
    fs::path base = default_data_dir();
    if (base.empty())
      return fail(errc::not_found,
                  "tokenizer data folder not found (looked for share/doctown/tokenizers next to "
                  "the executable, in the install prefix and in the source tree); pass "
                  "--tokenizer-dir DIR (TokenizerOptions::data_dir) naming the folder that "
                  "holds <encoding>.tiktoken");
    dir = base / "tokenizers";
  }
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return fail(errc::not_found,
                "tokenizer folder " + dir.string() +
                    " does not exist; pass --tokenizer-dir DIR naming the folder that holds "
                    "<encoding>.tiktoken and <encoding>.meta.json",
                dir.string());
  fs::path rank_file = dir / (options.encoding + ".tiktoken");
  fs::path meta_file = dir / (options.encoding + ".meta.json");
  if (!fs::exists(rank_file, ec))
    return fail(errc::not_found,
                "unknown encoding '" + options.encoding + "': no " + rank_file.filename().string() +
                    " in the tokenizer folder " + dir.string() + " (available: " +
                    available_encodings(dir) + "); pick one of those or pass --tokenizer-dir DIR",
                rank_file.string());
  if (!fs::exists(meta_file, ec))
    return fail(errc::not_found,
                "missing " + meta_file.filename().string() + " (the encoding's pattern) in " +
                    dir.string() + "; copy it beside the .tiktoken file or pass --tokenizer-dir",
                meta_file.string());

  auto meta_text = detail::read_file(meta_file);
  if (!meta_text) return std::move(meta_text).error();
  auto meta = detail::parse_json(*meta_text, meta_file.string());
  if (!meta) return std::move(meta).error();
  std::string pattern;
  if (meta->is_object()) pattern = detail::json_string(meta->get_object(), "pat_str");
  if (pattern.empty())
    return fail(errc::parse_error, "meta file has no \"pat_str\" string", meta_file.string());
  std::vector<std::pair<std::string, std::uint32_t>> specials;
  if (const auto* sp = meta->get_object().if_contains("special_tokens"); sp && sp->is_object())
    for (const auto& kv : sp->get_object())
      if (kv.value().is_int64() && kv.value().get_int64() >= 0)
        specials.emplace_back(std::string(kv.key()),
                              static_cast<std::uint32_t>(kv.value().get_int64()));

  auto ranks_text = detail::read_file(rank_file);
  if (!ranks_text) return std::move(ranks_text).error();
  detail::RankTable table;
  if (auto ok = parse_ranks(*ranks_text, rank_file, table); !ok) return std::move(ok).error();

  int err = 0;
  PCRE2_SIZE err_off = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &err,
                                   &err_off, nullptr);
  if (!code) {
    std::array<PCRE2_UCHAR, 256> buf{};
    pcre2_get_error_message(err, buf.data(), buf.size());
    return fail(errc::parse_error,
                std::string("pat_str does not compile: ") + reinterpret_cast<char*>(buf.data()) +
                    " at offset " + std::to_string(err_off),
                meta_file.string());
  }
  // Without JIT support (some platforms) the interpreter gives the same matches, slower.
  bool jit = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
  return std::shared_ptr<const Tokenizer>(
      std::make_shared<BpeTokenizer>(options.encoding, std::move(table), code, jit,
                                     std::move(specials), options.allow_special));
}

std::string embedding_encoding_for_model(std::string_view model) {
  return model.starts_with("text-embedding-") ? std::string("cl100k_base") : std::string();
}

std::string encoding_for_model(std::string_view model, bool* known) {
  // Provider prefixes ("openai/gpt-4o") and case do not change the encoding.
  if (auto slash = model.rfind('/'); slash != std::string_view::npos) model.remove_prefix(slash + 1);
  std::string m(model);
  std::transform(m.begin(), m.end(), m.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  auto set = [&](bool k) {
    if (known) *known = k;
  };
  for (std::string_view p : {"gpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "o1", "o3", "o4", "chatgpt-4o",
                             "gpt-oss"}) {
    if (m.starts_with(p)) {
      set(true);
      return "o200k_base";
    }
  }
  for (std::string_view p : {"gpt-4", "gpt-3.5", "gpt-35", "text-embedding-3",
                             "text-embedding-ada-002"}) {
    if (m.starts_with(p)) {
      set(true);
      return "cl100k_base";
    }
  }
  set(false);
  return "o200k_base";
}

fs::path default_data_dir() {
  auto usable = [](const fs::path& p) {
    std::error_code ec;
    return !p.empty() && fs::is_directory(p / "tokenizers", ec);
  };
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec && !exe.empty()) {
    fs::path installed = (exe.parent_path() / ".." / "share" / "doctown").lexically_normal();
    if (usable(installed)) return installed;
  }
#ifdef DOCTOWN_INSTALL_DATA_DIR
  if (fs::path p = DOCTOWN_INSTALL_DATA_DIR; usable(p)) return p;
#endif
#ifdef DOCTOWN_SOURCE_DATA_DIR
  if (fs::path p = DOCTOWN_SOURCE_DATA_DIR; usable(p)) return p;
#endif
  return {};
}

}  // namespace doctown
