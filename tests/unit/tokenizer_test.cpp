// Tokenizer tests: exact agreement with tiktoken's reference ids for both encodings, decode
// round trips, linear behaviour on pathological input, model → encoding, and the errors a user
// sees when the data folder is missing.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <chrono>
#include <algorithm>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "doctown/tokenizer.hpp"
#include "support/test_paths.hpp"
#include "tokenizer/bpe.hpp"

namespace fs = std::filesystem;
using doctown::load_tokenizer;
using doctown::Tokenizer;
using doctown::TokenizerOptions;

namespace {

std::shared_ptr<const Tokenizer> tokenizer(const std::string& enc) {
  auto t = load_tokenizer(TokenizerOptions{.encoding = enc});
  if (!t) FAIL("load_tokenizer(" << enc << "): " << t.error().what());
  return *t;
}

struct Reference {
  std::string encoding, id, text;
  std::size_t count = 0;
  std::vector<std::uint32_t> ids;
};

std::vector<Reference> references() {
  std::ifstream in(doctown::test::data_dir() / "reference_counts.jsonl");
  REQUIRE(in);
  std::vector<Reference> refs;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto v = boost::json::parse(line).as_object();
    Reference r;
    r.encoding = std::string(v.at("encoding").as_string());
    r.id = std::string(v.at("id").as_string());
    r.text = std::string(v.at("text").as_string());
    r.count = static_cast<std::size_t>(v.at("count").to_number<std::int64_t>());
    for (const auto& x : v.at("ids").as_array())
      r.ids.push_back(static_cast<std::uint32_t>(x.to_number<std::int64_t>()));
    refs.push_back(std::move(r));
  }
  return refs;
}

}  // namespace

TEST_CASE("every reference id list is reproduced exactly", "[tokenizer]") {
  auto refs = references();
  REQUIRE(refs.size() >= 40);
  std::map<std::string, std::shared_ptr<const Tokenizer>> toks;
  std::size_t checked = 0;
  for (const auto& r : refs) {
    auto& t = toks[r.encoding];
    if (!t) t = tokenizer(r.encoding);
    INFO(r.encoding << " / " << r.id);
    auto ids = t->encode(r.text);
    CHECK(ids == r.ids);
    CHECK(ids.size() == r.count);
    CHECK(t->count(r.text) == r.count);
    CHECK(t->decode(ids) == r.text);
    ++checked;
  }
  CHECK(toks.size() == 2);
  CHECK(checked == refs.size());
}

TEST_CASE("special-token text is ordinary text and known words are single tokens", "[tokenizer]") {
  auto t = tokenizer("o200k_base");
  auto ids = t->encode("<|endoftext|>");
  CHECK(ids.size() > 1);
  for (auto id : ids) CHECK(id != 199999u);
  CHECK(t->decode(ids) == "<|endoftext|>");
  CHECK(t->name() == "o200k_base");
  CHECK(t->count("") == 0);
}

TEST_CASE("special tokens are recognised only when asked for", "[tokenizer]") {
  auto t = load_tokenizer(TokenizerOptions{.encoding = "o200k_base", .allow_special = true});
  REQUIRE(t);
  auto plain = tokenizer("o200k_base");
  std::string text = "end<|endoftext|> x<|endofprompt|><|fim_prefix|>";
  auto ids = (*t)->encode(text);
  CHECK(std::count(ids.begin(), ids.end(), 199999u) == 1);
  CHECK(std::count(ids.begin(), ids.end(), 200018u) == 1);
  CHECK((*t)->decode(ids) == text);
  CHECK((*t)->count(text) == ids.size());
  // Around the special token the text is encoded exactly as on its own.
  auto end = plain->encode("end");
  CHECK(std::equal(end.begin(), end.end(), ids.begin()));
  auto p = plain->encode(text);
  CHECK(std::count(p.begin(), p.end(), 199999u) == 0);
  CHECK(p.size() > ids.size());
}

TEST_CASE("arbitrary bytes round-trip, invalid UTF-8 included", "[tokenizer]") {
  auto t = tokenizer("cl100k_base");
  std::mt19937 rng(42);
  for (int round = 0; round < 50; ++round) {
    std::string s(static_cast<std::size_t>(rng() % 300), '\0');
    for (auto& c : s) c = static_cast<char>(rng() & 0xFF);
    auto ids = t->encode(s);
    CHECK(t->decode(ids) == s);
    CHECK(t->count(s) == ids.size());
  }
}

TEST_CASE("pathological inputs take near-linear work", "[tokenizer]") {
  auto t = tokenizer("o200k_base");
  for (char c : {'a', ' '}) {
    INFO("repeated byte " << int(c));
    std::string mb(1 << 20, c);
    auto start = std::chrono::steady_clock::now();
    auto ids = t->encode(mb);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    CHECK(t->decode(ids) == mb);
    CHECK(ids.size() < mb.size() / 4);
    // Generous bound (sanitizer builds included): a quadratic merge would take hours.
    CHECK(secs < 60.0);
  }
  // Operation counts of the merge itself: doubling the piece at most ~doubles the work
  // (n log n), where tiktoken's scan would quadruple it.
  doctown::detail::RankTable table;
  table.reserve(300, 2000);
  std::uint32_t rank = 0;
  for (int b = 0; b < 256; ++b) REQUIRE(table.insert(std::string(1, static_cast<char>(b)), rank++));
  std::string tok = "a";
  while (tok.size() < 64) {
    tok += tok;
    REQUIRE(table.insert(tok, rank++));
  }
  auto ops = [&](std::size_t n) {
    doctown::detail::MergeStats st;
    std::vector<std::uint32_t> out;
    doctown::detail::bpe_merge(table, std::string(n, 'a'), out, &st);
    CHECK(out.size() == (n + 63) / 64 + 0);  // 64-byte tokens, then the remainder's tokens
    return st.heap_pushes + st.heap_pops;
  };
  std::size_t a = ops(1 << 17), b = ops(1 << 18);
  CHECK(a <= 8u * (1u << 17));
  CHECK(b <= 8u * (1u << 18));
  CHECK(static_cast<double>(b) / static_cast<double>(a) < 2.5);
}

TEST_CASE("model names map to their encodings", "[tokenizer]") {
  bool known = false;
  CHECK(doctown::encoding_for_model("gpt-4o-mini", &known) == "o200k_base");
  CHECK(known);
  CHECK(doctown::encoding_for_model("gpt-4.1-nano") == "o200k_base");
  CHECK(doctown::encoding_for_model("gpt-5-mini") == "o200k_base");
  CHECK(doctown::encoding_for_model("o3") == "o200k_base");
  CHECK(doctown::encoding_for_model("o4-mini") == "o200k_base");
  CHECK(doctown::encoding_for_model("o1-preview") == "o200k_base");
  CHECK(doctown::encoding_for_model("gpt-4") == "cl100k_base");
  CHECK(doctown::encoding_for_model("gpt-4-turbo") == "cl100k_base");
  CHECK(doctown::encoding_for_model("gpt-3.5-turbo", &known) == "cl100k_base");
  CHECK(known);
  CHECK(doctown::encoding_for_model("qwen2.5-coder", &known) == "o200k_base");
  CHECK_FALSE(known);
}

TEST_CASE("missing data is reported with the folder and the option to fix it", "[tokenizer]") {
  fs::path empty = doctown::test::scratch_dir("tok-missing");
  auto r = load_tokenizer(TokenizerOptions{.encoding = "o200k_base", .data_dir = empty / "nope"});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == doctown::errc::not_found);
  CHECK_THAT(r.error().what(), Catch::Contains((empty / "nope").string()));
  CHECK_THAT(r.error().what(), Catch::Contains("--tokenizer-dir"));

  auto r2 = load_tokenizer(TokenizerOptions{.encoding = "o200k_base", .data_dir = empty});
  REQUIRE_FALSE(r2);
  CHECK(r2.error().code == doctown::errc::not_found);
  CHECK_THAT(r2.error().what(), Catch::Contains("o200k_base.tiktoken"));

  auto r3 = load_tokenizer(TokenizerOptions{.encoding = "../etc"});
  REQUIRE_FALSE(r3);
  CHECK(r3.error().code == doctown::errc::invalid_argument);
}

TEST_CASE("malformed rank files are parse errors naming file and line", "[tokenizer]") {
  fs::path dir = doctown::test::scratch_dir("tok-bad");
  std::ofstream(dir / "bad.tiktoken") << "IQ== 0\nnot base64! 1\n";
  std::ofstream(dir / "bad.meta.json") << R"({"pat_str":"\\s+|\\S+"})";
  auto r = load_tokenizer(TokenizerOptions{.encoding = "bad", .data_dir = dir});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == doctown::errc::parse_error);
  CHECK_THAT(r.error().what(), Catch::Contains("bad.tiktoken:2"));
}

TEST_CASE("the default data folder holds the shipped rank files", "[tokenizer]") {
  fs::path d = doctown::default_data_dir();
  REQUIRE_FALSE(d.empty());
  CHECK(fs::exists(d / "tokenizers" / "o200k_base.tiktoken"));
  CHECK(fs::exists(d / "tokenizers" / "cl100k_base.tiktoken"));
}

TEST_CASE("doctown tokens prints the exact count or the ids", "[tokenizer][cli]") {
  fs::path dir = doctown::test::scratch_dir("tok-cli");
  std::ofstream(dir / "in.txt") << "The quick brown fox jumps over the lazy dog.";
  auto count = doctown::test::run_cli({"tokens", (dir / "in.txt").string()});
  CHECK(count.exit_code == 0);
  CHECK(count.out == "10\n");
  auto ids = doctown::test::run_cli({"tokens", "--ids", (dir / "in.txt").string()});
  CHECK(ids.exit_code == 0);
  CHECK(ids.out == "976 4853 19705 68347 65613 1072 290 29082 6446 13\n");
  auto cl = doctown::test::run_cli({"tokens", "--model", "gpt-4", "--ids", (dir / "in.txt").string()});
  CHECK(cl.exit_code == 0);
  CHECK(cl.out == "791 4062 14198 39935 35308 927 279 16053 5679 13\n");

  auto unknown = doctown::test::run_cli({"tokens", "--encoding", "r2d2", (dir / "in.txt").string()});
  CHECK(unknown.exit_code == 2);
  CHECK_THAT(unknown.err, Catch::Contains("r2d2") && Catch::Contains("o200k_base"));
  auto both = doctown::test::run_cli(
      {"tokens", "--encoding", "o200k_base", "--model", "gpt-4", (dir / "in.txt").string()});
  CHECK(both.exit_code == 2);
  auto no_dir = doctown::test::run_cli(
      {"tokens", "--tokenizer-dir", (dir / "nowhere").string(), (dir / "in.txt").string()});
  CHECK(no_dir.exit_code == 2);
  CHECK_THAT(no_dir.err, Catch::Contains("nowhere") && Catch::Contains("--tokenizer-dir"));
  auto no_file = doctown::test::run_cli({"tokens", (dir / "missing.txt").string()});
  CHECK(no_file.exit_code == 2);
  CHECK_THAT(no_file.err, Catch::Contains("missing.txt"));
}
