// The Markdown writer: index.md plus one page per namespace (C/C++) or file, written for
// GitHub's renderer. Every cross-reference is a relative link to an explicit `<a id>` anchor,
// so links keep working when the folder is moved or browsed on GitHub.
#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "doctown/version.hpp"
#include "doctown/writer.hpp"
#include "output/docset/docset_util.hpp"
#include "output/markdown/llms_txt.hpp"
#include "output/markdown/markdown_escape.hpp"
#include "output/site/site_model.hpp"
#include "output/staging/dir_util.hpp"

#include "doctown/roles.hpp"
#include "doctown/usage.hpp"

namespace doctown {
namespace detail {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kExt = ".md";
constexpr std::size_t kUsageSites = 3;  // call sites shown per symbol

// All analysed text goes through output/markdown_escape (see there for the rules).
using md::code_span;
using md::fence_for;

// " (library 12, public-header 3, test 20)": the file roles, decided once by the pipeline.
std::string roles_line(const DocSet& d) {
  if (!d.roles) return {};
  std::map<FileRole, std::size_t> n;
  for (const auto& [path, role] : *d.roles) ++n[role];
  std::string out;
  for (const auto& [role, count] : n)
    out += (out.empty() ? " (" : ", ") + std::string(to_string(role)) + " " + std::to_string(count);
  if (out.empty()) return out;
  bool hidden = n.size() > n.count(FileRole::library) + n.count(FileRole::public_header);
  return out + ")" + (hidden ? "; tests, examples, benchmarks, bundled and generated code are "
                               "analysed for usage and context and documented only with --document"
                             : "");
}

class MarkdownRenderer {
 public:
  explicit MarkdownRenderer(const SiteModel& m) : m_(m) {}

  // Prose with code spans that name symbols turned into links. Fenced blocks are kept (with a
  // fence of our own; an unclosed one ends with the text).
  std::string prose(std::string_view text, std::size_t page, const Symbol* ctx = nullptr) const {
    return md::prose(text, [&](std::string_view chunk) { return inline_prose(chunk, page, ctx); });
  }

  std::string inline_prose(std::string_view text, std::size_t page,
                           const Symbol* ctx = nullptr) const {
    std::string out;
    for (const InlinePiece& p : split_code_spans(text)) {
      if (!p.code) {
        out += md::escape_text(p.text);
      } else if (auto e = m_.resolve(p.text, ctx)) {
        out += md::link(code_span(p.text), m_.link(page, *e, kExt));
      } else {
        out += code_span(p.text);
      }
    }
    return out;
  }

  std::string cell(std::string_view text, std::size_t page, const Symbol* ctx = nullptr) const {
    return md::table_cell(inline_prose(text, page, ctx));
  }

  std::string symbol_link(std::size_t entry, std::size_t page, bool qualified = true) const {
    const Symbol& s = m_.symbol(m_.entries()[entry]);
    return md::link(code_span(qualified ? display_name(s) : s.name), m_.link(page, entry, kExt));
  }

  std::string location(const Symbol& s) const {
    auto range = [](const SourceRange& r) {
      std::string t = r.file + ":" + std::to_string(r.line);
      if (r.end_line > r.line) t += "-" + std::to_string(r.end_line);
      return t;
    };
    auto linked = [&](const SourceRange& r) {
      std::string url = source_url(m_.codebase(), r);
      return url.empty() ? code_span(range(r)) : md::link(code_span(range(r)), url);
    };
    std::string t = "*Defined in* " + linked(s.location);
    if (s.declaration && s.declaration->file != s.location.file)
      t += " · *declared in* " + linked(*s.declaration);
    return t;
  }

  // The lists of related symbols (bases, overrides, calls, ...), as links where possible.
  void relations(std::ostringstream& o, std::size_t symbol, std::size_t page) const {
    for (const RelatedGroup& g : m_.related(symbol)) {
      std::vector<std::string> links;
      for (const auto& id : g.ids)
        if (auto e = m_.entry_of(id)) links.push_back(symbol_link(*e, page));
        else links.push_back(code_span(m_.unlisted_name(id)));
      std::sort(links.begin(), links.end());
      // Two unlisted symbols of one name (tinyxml2's two `main`s) read as one.
      links.erase(std::unique(links.begin(), links.end()), links.end());
      o << "**" << g.label << ":** ";
      for (std::size_t i = 0; i < links.size() && i < 12; ++i) o << (i ? ", " : "") << links[i];
      if (links.size() > 12) o << " and " << links.size() - 12 << " more";
      o << "\n\n";
    }
  }

  void entry(std::ostringstream& o, std::size_t ei, std::size_t page, int level) const {
    const SiteEntry& e = m_.entries()[ei];
    const Symbol& s = m_.symbol(e);
    o << "<a id=\"" << e.anchor << "\"></a>\n\n";
    o << std::string(static_cast<std::size_t>(std::min(level, 6)), '#') << " " << to_string(s.kind)
      << " " << code_span(e.top_level ? display_name(s) : s.name) << "\n\n";
    if (!s.signature.empty()) {
      o << md::code_block(s.signature, s.language == "c++" ? "cpp" : s.language) << "\n";
    }
    const SymbolDoc* d = e.doc;
    std::string summary = d ? d->summary : s.brief;
    if (!summary.empty()) o << prose(summary, page, &s) << "\n\n";
    if (d && !d->description.empty()) o << prose(d->description, page, &s) << "\n\n";
    if (std::string more = SiteModel::comment_beyond_brief(s); !d && !more.empty())
      o << prose(more, page, &s) << "\n\n";
    if (d && !d->params.empty()) {
      o << "**Parameters**\n\n| Name | Type | Description |\n|---|---|---|\n";
      for (const ParamDoc& p : d->params) {
        std::string type;
        for (const Param& sp : s.params)
          if (sp.name == p.name) type = sp.type;
        o << "| " << md::table_cell(code_span(p.name)) << " | "
          << (type.empty() ? "" : md::table_cell(code_span(type))) << " | "
          << cell(p.description, page, &s) << " |\n";
      }
      o << "\n";
    }  // no table of names and types alone: the signature shows them
    if (d && !d->returns.empty()) {
      o << "**Returns**";
      if (!s.return_type.empty()) o << " " << code_span(s.return_type);
      o << ": " << prose(d->returns, page, &s) << "\n\n";
    }
    if (d && !d->throws.empty()) o << "**Throws:** " << prose(d->throws, page, &s) << "\n\n";
    if (d && !d->notes.empty()) o << "**Notes:** " << prose(d->notes, page, &s) << "\n\n";
    if (d)
      for (const std::string& ex : d->examples) {
        o << "**Example**\n\n" << md::code_block(ex, s.language == "c++" ? "cpp" : s.language)
          << "\n";
      }
    if (auto refs = d ? m_.see_also(e.symbol, *d) : std::vector<std::string>{}; !refs.empty()) {
      o << "**See also:** ";
      bool first = true;
      for (const std::string& ref : refs) {
        o << (first ? "" : ", ");
        first = false;
        if (auto t = m_.resolve(ref, &s)) o << symbol_link(*t, page);
        else o << code_span(ref);
      }
      o << "\n\n";
    }
    relations(o, e.symbol, page);
    if (d) usage(o, e.symbol);
    o << location(s) << "\n\n";
    members(o, e, ei, page, level);
  }

  // A record's members under group headings (Constructors, Methods, Operators, Fields, ...).
  void members(std::ostringstream& o, const SiteEntry& e, std::size_t ei, std::size_t page,
               int level) const {
    std::string_view group;
    bool grouped = is_record(m_.symbol(e).kind);
    for (std::size_t mi : e.members) {
      if (mi == ei) continue;
      std::string_view g = SiteModel::member_group(m_.symbol(m_.entries()[mi]).kind);
      if (grouped && g != group) {
        o << std::string(static_cast<std::size_t>(std::min(level + 1, 6)), '#') << " " << g
          << "\n\n";
        group = g;
      }
      entry(o, mi, page, level + (grouped ? 2 : 1));
    }
  }

  // Call sites from tests, examples and the library, as file:line with the calling line.
  void usage(std::ostringstream& o, std::size_t symbol) const {
    auto sites = m_.usages(symbol, kUsageSites);
    if (sites.empty()) return;
    const Symbol& s = m_.codebase().symbols[symbol];
    std::string lang = s.language == "c++" ? "cpp" : s.language;
    o << "**Usage**\n\n";
    for (const UsageSite& u : sites) {
      o << "- " << code_span(u.file + ":" + std::to_string(u.line)) << " ("
        << to_string(u.role) << ")\n\n";
      std::string f = fence_for(u.snippet);
      o << "  " << f << lang << "\n";
      std::size_t pos = 0;
      while (pos <= u.snippet.size()) {
        std::size_t nl = u.snippet.find('\n', pos);
        o << "  " << u.snippet.substr(pos, nl == std::string::npos ? nl : nl - pos) << "\n";
        if (nl == std::string::npos) break;
        pos = nl + 1;
      }
      o << "  " << f << "\n\n";
    }
  }

  // Links to the other pages of the same kind (small sites) or to the page's parent.
  void page_nav(std::ostringstream& o, std::size_t pi) const {
    const SitePage& p = m_.pages()[pi];
    o << "[Index](index.md)";
    if (p.parent)
      o << " · " << md::link(md::inline_text(m_.pages()[*p.parent].title),
                             m_.page_link(*p.parent, kExt));
    std::size_t same_kind = 0;
    for (const SitePage& other : m_.pages()) same_kind += other.kind == p.kind;
    if (same_kind <= 40 && p.kind != "class")
      for (std::size_t other = 0; other < m_.pages().size(); ++other)
        if (other != pi && m_.pages()[other].kind == p.kind)
          o << " · "
            << md::link(md::inline_text(m_.pages()[other].label) +
                            (m_.pages()[other].parts > 1
                                 ? " (" + std::to_string(m_.pages()[other].part) + ")"
                                 : ""),
                        m_.page_link(other, kExt));
    o << "\n\n";
  }

  void contents_row(std::ostringstream& o, std::size_t ei, std::size_t pi) const {
    const Symbol& s = m_.symbol(m_.entries()[ei]);
    o << "| " << md::table_cell(symbol_link(ei, pi)) << " | " << to_string(s.kind) << " | "
      << cell(summary_of(m_.docs(), s), pi) << " |\n";
  }

  std::string page(std::size_t pi) const {
    const SitePage& p = m_.pages()[pi];
    std::ostringstream o;
    o << "# " << md::inline_text(p.title) << "\n\n";
    page_nav(o, pi);
    if (p.namespace_symbol && p.part == 1) {
      const Symbol& ns = m_.codebase().symbols[*p.namespace_symbol];
      if (auto it = m_.docs().docs->find(ns.id); it != m_.docs().docs->end()) {
        if (!it->second.summary.empty()) o << prose(it->second.summary, pi) << "\n\n";
        if (!it->second.description.empty()) o << prose(it->second.description, pi) << "\n\n";
      } else if (!ns.brief.empty()) {
        o << prose(ns.brief, pi) << "\n\n";
      }
    }
    // A class page shows one class: its member count says nothing the page does not.
    if (!p.entries.empty() && p.kind != "class")
      o << p.symbols << " symbols, " << p.documented << " documented.\n\n";
    if (!p.listed.empty()) {
      o << (p.kind == "header" ? "## Declared in this header\n\n" : "## Classes\n\n")
        << "| Symbol | Kind | Summary |\n|---|---|---|\n";
      for (std::size_t ei : p.listed) contents_row(o, ei, pi);
      o << "\n";
    }
    if (p.kind != "class" && !p.entries.empty()) {
      o << "| Symbol | Kind | Summary |\n|---|---|---|\n";
      for (std::size_t ei : p.entries) contents_row(o, ei, pi);
      o << "\n";
    }
    for (std::size_t ei : p.entries) entry(o, ei, pi, 2);
    return o.str();
  }

  std::string index(const std::string& name) const {
    const DocSet& d = m_.docs();
    const Codebase& cb = m_.codebase();
    std::ostringstream o;
    o << "# " << md::inline_text(name) << " documentation\n\n";
    o << "Generated by doctown " << version_string << " on "
      << (d.generated_at.empty() ? std::string("(unknown date)") : d.generated_at) << " with "
      << (d.llm_model.empty() ? std::string("no LLM") : code_span(d.llm_model)) << ".\n\n";
    o << "## Overview\n\n";
    o << "- Source: " << code_span(source_label(cb));
    if (!cb.source.commit.empty()) o << " at " << code_span(cb.source.commit);
    o << "\n- Files: " << cb.files.size() << roles_line(d) << "\n- Symbols: " << cb.symbols.size()
      << "\n- Documented: " << d.docs->size() << "\n";
    if (!d.failures->empty()) o << "- Not documented (failures): " << d.failures->size() << "\n";
    o << "\n## Architecture\n\n" << prose(architecture_overview(d), SiteModel::npos) << "\n\n";

    o << "## Namespaces and modules\n\n| Page | Kind | Symbols | Documented |\n|---|---|---|---|\n";
    for (std::size_t pi = 0; pi < m_.pages().size(); ++pi) {
      const SitePage& p = m_.pages()[pi];
      std::string label = p.label + (p.parts > 1 ? " (part " + std::to_string(p.part) + ")" : "");
      o << "| " << md::table_cell(md::link(code_span(label), m_.page_link(pi, kExt))) << " | " << p.kind
        << " | " << p.symbols << " | " << p.documented << " |\n";
    }
    o << "\n## Most central symbols\n\n| Symbol | Kind | Location | Summary |\n|---|---|---|---|\n";
    for (std::size_t ei : m_.central_entries(15)) {
      const Symbol& s = m_.symbol(m_.entries()[ei]);
      o << "| " << md::table_cell(symbol_link(ei, SiteModel::npos)) << " | " << to_string(s.kind)
        << " | " << md::table_cell(code_span(s.location.file + ":" + std::to_string(s.location.line)))
        << " | "
        << cell(summary_of(d, s), SiteModel::npos) << " |\n";
    }
    if (!d.failures->empty()) {
      o << "\n## Symbols that could not be documented\n\n";
      for (const SymbolFailure& f : *d.failures) {
        if (auto e = m_.entry_of(f.id)) o << "- " << symbol_link(*e, SiteModel::npos);
        else o << "- " << code_span(f.id);
        o << ": " << md::inline_text(f.reason) << "\n";
      }
    }
    o << "\n";
    return o.str();
  }

 private:
  const SiteModel& m_;
};

class MarkdownWriter final : public Writer {
 public:
  std::string_view format() const override { return "markdown"; }
  result<fs::path> write(const DocSet& docs, const fs::path& out_dir, const std::string& name,
                         const RunContext& ctx) override {
    if (auto ok = check_output_name(name); !ok) return ok.error();
    if (auto ok = validate_docset(docs); !ok) return ok.error();
    fs::path final_dir = out_dir / name / "markdown";
    auto written = write_dir_staged(final_dir, "rendering Markdown",
                                    [&](const fs::path& staging) -> doctown::result<void> {
      SiteModel model(docs);
      MarkdownRenderer r(model);
      if (auto ok = write_text(staging / "index.md", r.index(name)); !ok) return ok;
      for (std::size_t pi = 0; pi < model.pages().size(); ++pi) {
        if (ctx.stop_requested()) return fail(errc::cancelled, "cancelled", final_dir.string());
        if (auto ok = write_text(staging / (model.pages()[pi].slug + ".md"), r.page(pi)); !ok)
          return ok;
      }
      return {};
    });
    if (!written) return std::move(written).error();
    ctx.note("write", "Markdown written to " + final_dir.string());
    return final_dir;
  }
};

}  // namespace

std::vector<std::pair<std::string, std::string>> markdown_pages(const SiteModel& model,
                                                                const std::string& name) {
  MarkdownRenderer r(model);
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(model.pages().size() + 1);
  out.emplace_back("index.md", r.index(name));
  for (std::size_t pi = 0; pi < model.pages().size(); ++pi)
    out.emplace_back(model.pages()[pi].slug + std::string(kExt), r.page(pi));
  return out;
}

}  // namespace detail

result<std::unique_ptr<Writer>> make_markdown_writer() {
  return std::unique_ptr<Writer>(std::make_unique<detail::MarkdownWriter>());
}

}  // namespace doctown
