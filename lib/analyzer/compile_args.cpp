// The compile-database argument allowlist. A compile_commands.json comes with the analysed
// tree and is hostile: libclang honours -MD/-MF/-Wp,-MD,FILE (it writes a dependency file
// wherever it is told), -Xclang passes anything to the frontend (-header-include-file writes,
// -load runs a plugin), -fplugin loads code, @file and --config read files outside the tree.
// So an argument passes only when it is known to change nothing but how code is parsed:
// defines, the language and standard, the target, warnings, safe -f/-m language switches, and
// include folders inside the tree or in the system's folders. Everything else is dropped and
// named (once per database, by the caller); the compiler, -c, -o and the source file itself are
// dropped silently because every database has them.
#include <array>
#include <cctype>
#include <set>
#include <system_error>

#include "analyzer/compile_db.hpp"
#include "source/file_select.hpp"

namespace doctown::detail {

namespace fs = std::filesystem;

namespace {

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// -f switches that only select language rules, diagnostics or target properties (each also
// in its -fno- form). Values are allowed only where the name ends with '=' here.
constexpr std::array<std::string_view, 62> kSafeF{
    "exceptions",       "cxx-exceptions",      "rtti",              "signed-char",
    "unsigned-char",    "char8_t",             "ms-extensions",     "ms-compatibility",
    "ms-compatibility-version=", "delayed-template-parsing", "gnu89-inline", "gnu-keywords",
    "asm",              "blocks",              "coroutines",        "coroutines-ts",
    "concepts-ts",      "openmp",              "openmp-simd",       "sized-deallocation",
    "aligned-allocation", "aligned-new",       "aligned-new=",      "strict-aliasing",
    "pic",              "PIC",                 "pie",               "PIE",
    "visibility=",      "visibility-inlines-hidden", "common",      "short-enums",
    "short-wchar",      "builtin",             "freestanding",      "hosted",
    "operator-names",   "trigraphs",           "threadsafe-statics", "permissive",
    "color-diagnostics", "diagnostics-color",  "diagnostics-color=", "diagnostics-show-option",
    "message-length=",  "template-depth=",     "constexpr-depth=",  "constexpr-steps=",
    "bracket-depth=",   "declspec",            "dollars-in-identifiers", "access-control",
    "elide-constructors", "use-cxa-atexit",    "math-errno",        "fast-math",
    "finite-math-only", "lax-vector-conversions", "double-square-bracket-attributes",
    "digraphs",         "wrapv",               "gnu-inline-asm",
};

// Include-path flags whose value (joined or next) must be a folder inside the tree or a
// system folder.
constexpr std::array<std::string_view, 7> kIncludeDirFlags{
    "-isystem", "-iquote", "-idirafter", "-I", "-F", "-isysroot", "--sysroot="};

// Flags that take a value and only pick language/target: "-D X" or "-DX".
constexpr std::array<std::string_view, 4> kValueFlags{"-D", "-U", "-x", "-target"};

bool safe_f_flag(std::string_view a) {
  std::string_view name = a.substr(2);
  if (starts_with(name, "no-")) name.remove_prefix(3);
  auto eq = name.find('=');
  for (auto s : kSafeF) {
    if (eq == std::string_view::npos ? name == s
                                     : (s.back() == '=' && name.substr(0, eq + 1) == s &&
                                        name.find('/') == std::string_view::npos))
      return true;
  }
  return false;
}

// -m switches pick the target's instruction set or ABI; -mllvm hands options to LLVM (some
// write files) and any value that looks like a path is refused.
bool safe_m_flag(std::string_view a) {
  // Any spelling that begins with -mllvm ("-mllvm", "-mllvm=...", or a mangled form a later
  // clang might accept) goes: none of it picks an instruction set.
  if (a.substr(0, 6) == "-mllvm" || a.find('/') != std::string_view::npos) return false;
  for (char c : a.substr(2))
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '=' ||
          c == '.' || c == ','))
      return false;
  return a.size() > 2;
}

// -Wfoo, -Wno-foo: warnings. -Wp, -Wl, -Wa pass options to other tools (-Wp,-MD,FILE writes).
bool safe_w_flag(std::string_view a) {
  if (a.find(',') != std::string_view::npos) return false;
  for (char c : a.substr(2))
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '=' ||
          c == '+' || c == '#'))
      return false;
  return true;
}

bool simple_value(std::string_view v) {
  return !v.empty() && v.find('/') == std::string_view::npos && v.front() != '-';
}

bool under(const fs::path& p, const fs::path& base) {
  if (base.empty()) return false;
  auto rel = p.lexically_relative(base).generic_string();
  return !rel.empty() && !leaves_base(rel);
}

}  // namespace

bool compile_path_allowed(std::string_view value, const fs::path& directory,
                          const fs::path& root) {
  if (value.empty()) return false;
  fs::path p(value);
  if (p.is_relative()) {
    if (directory.empty()) return false;
    p = directory / p;
  }
  std::error_code ec;
  // Links are resolved so a folder inside the tree cannot lead outside it.
  fs::path real = fs::weakly_canonical(p, ec);
  if (ec) real = p.lexically_normal();
  if (under(real, root)) return true;
  for (const char* sys : {"/usr", "/opt", "/Library/Developer", "/Applications/Xcode.app"})
    if (under(real, sys)) return true;
  return false;
}

FilteredArgs filter_compile_args(const std::vector<std::string>& argv,
                                 std::string_view source_file, const fs::path& directory,
                                 const fs::path& root) {
  FilteredArgs out;
  fs::path src(source_file);
  auto drop = [&](std::string what) { out.dropped.push_back(std::move(what)); };
  for (std::size_t i = 1; i < argv.size(); ++i) {  // argv[0] is the compiler
    const std::string& a = argv[i];
    const bool has_next = i + 1 < argv.size();
    // What every database holds and nothing needs: the output and the compile-only switch.
    if (a == "-c" || a == "--") continue;
    if (a == "-o" || a == "--output") {
      ++i;
      continue;
    }
    if (starts_with(a, "-o") || starts_with(a, "--output=")) continue;
    // The source itself (absolute or relative to the command's folder).
    if (a == source_file || (!a.empty() && a[0] != '-' && fs::path(a).filename() == src.filename()))
      continue;
    // -Werror would turn warnings only clang emits into errors that say nothing about the code.
    if (a == "-Werror" || starts_with(a, "-Werror=") || a == "-pedantic-errors") continue;

    // Include folders: joined ("-Iinc", "--sysroot=/x") or separate ("-I inc").
    bool handled = false;
    for (auto flag : kIncludeDirFlags) {
      if (!starts_with(a, flag)) continue;
      handled = true;
      bool joined = a.size() > flag.size() || flag.back() == '=';
      if (!joined && !has_next) {
        drop(a);
        break;
      }
      std::string value = joined ? a.substr(flag.size()) : argv[i + 1];
      if (!joined) ++i;
      if (compile_path_allowed(value, directory, root)) {
        if (joined) {
          out.args.push_back(a);
        } else {
          out.args.push_back(std::string(flag));
          out.args.push_back(value);
        }
      } else {
        drop(joined ? a : a + " " + value);
      }
      break;
    }
    if (handled) continue;
    // A header forced in: only one from the tree.
    if (a == "-include" || a == "-imacros") {
      if (has_next && compile_path_allowed(argv[i + 1], directory, root)) {
        out.args.push_back(a);
        out.args.push_back(argv[i + 1]);
      } else {
        drop(has_next ? a + " " + argv[i + 1] : a);
      }
      i += has_next;
      continue;
    }
    // Value flags: -D/-U/-x/-target, joined or separate.
    for (auto flag : kValueFlags) {
      if (a == flag) {
        handled = true;
        if (has_next && (flag == "-D" || flag == "-U" || simple_value(argv[i + 1]))) {
          out.args.push_back(a);
          out.args.push_back(argv[++i]);
        } else {
          drop(has_next ? a + " " + argv[++i] : a);
        }
        break;
      }
      if (starts_with(a, flag) && flag != "-target") {
        handled = true;
        if (flag == "-D" || flag == "-U" || simple_value(std::string_view(a).substr(2)))
          out.args.push_back(a);
        else
          drop(a);
        break;
      }
    }
    if (handled) continue;
    const bool pass =
        starts_with(a, "-std=") || starts_with(a, "--std=") || a == "-ansi" ||
        (starts_with(a, "--target=") && simple_value(std::string_view(a).substr(9))) ||
        (starts_with(a, "-stdlib=") && simple_value(std::string_view(a).substr(8))) ||
        (starts_with(a, "-W") && safe_w_flag(a)) || a == "-w" || a == "-pedantic" ||
        (starts_with(a, "-f") && safe_f_flag(a)) || (starts_with(a, "-m") && safe_m_flag(a)) ||
        a == "-pthread" || a == "-nostdinc" || a == "-nostdinc++" || a == "-nostdlibinc" ||
        a == "-nobuiltininc" || a == "-g" || a == "-g0" || a == "-g1" || a == "-g2" ||
        a == "-g3" || a == "-ggdb" || a == "-O" || a == "-O0" || a == "-O1" || a == "-O2" ||
        a == "-O3" || a == "-Os" || a == "-Oz" || a == "-Og" || a == "-Ofast";
    if (pass) {
      out.args.push_back(a);
      continue;
    }
    // Anything else: flags that write (-MD, -MF, -MJ, -Wp,...), load code (-fplugin=,
    // -Xclang -load), read files (@file, --config, -fprofile-use=) or that are merely unknown.
    // Flags known to take their value in the next argument drop it too.
    static const std::set<std::string, std::less<>> kTakesValue{
        "-MF", "-MT", "-MQ", "-MJ", "-Xclang", "-Xpreprocessor", "-Xlinker", "-Xassembler",
        "-mllvm", "-Xanalyzer", "-Xcuda-ptxas", "-Xcuda-fatbinary", "-Xopenmp-target",
        "--config", "-B", "-resource-dir", "-iprefix", "-iwithprefix", "-iwithprefixbefore",
        "-ivfsoverlay", "-include-pch", "-isystem-after", "-gcc-toolchain", "-arch",
        "-working-directory", "-fmodule-file", "-fmodules-cache-path", "-dependency-file",
        "-serialize-diagnostics", "-load", "-plugin", "-header-include-file", "-module-dependency-dir"};
    if (kTakesValue.count(a) && has_next) {
      drop(a + " " + argv[++i]);
    } else {
      drop(a);
    }
  }
  return out;
}

std::vector<std::string> filter_compile_args(const std::vector<std::string>& argv,
                                             std::string_view source_file) {
  return filter_compile_args(argv, source_file, {}, {}).args;
}

}  // namespace doctown::detail
