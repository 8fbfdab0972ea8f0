// The HTML writer: a static site mirroring the Markdown pages, browsable from file:// with no
// network. Search runs in the browser over search-index.js (a script, not fetched JSON, since
// browsers block fetch() on file://). Diagrams are SVG drawn by Graphviz when it is installed.
#include <algorithm>
#include <set>
#include <sstream>

#include <boost/json.hpp>

#include "doctown/version.hpp"
#include "doctown/writer.hpp"
#include "output/docset/docset_util.hpp"
#include "output/html/graphviz.hpp"
#include "output/html/html_assets.hpp"
#include "output/markdown/llms_txt.hpp"
#include "output/site/site_model.hpp"
#include "output/staging/dir_util.hpp"

namespace doctown {
namespace detail {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

constexpr std::string_view kExt = ".html";
// Diagrams up to this size are inlined in diagrams.html; bigger ones get their own .svg file.
constexpr std::size_t kInlineSvgLimit = 128 * 1024;

std::string esc(std::string_view s) {
  std::string o;
  o.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&#39;"; break;
      default: o += c;
    }
  }
  return o;
}

// **bold** in already-escaped text.
std::string bold(std::string s) {
  std::string o;
  bool open = false;
  std::size_t i = 0;
  while (i < s.size()) {
    if (s.compare(i, 2, "**") == 0 && (open || s.find("**", i + 2) != std::string::npos)) {
      o += open ? "</strong>" : "<strong>";
      open = !open;
      i += 2;
    } else {
      o += s[i++];
    }
  }
  return o;
}

std::string range_text(const SourceRange& r) {
  std::string t = r.file + ":" + std::to_string(r.line);
  if (r.end_line > r.line) t += "-" + std::to_string(r.end_line);
  return t;
}

class HtmlRenderer {
 public:
  HtmlRenderer(const SiteModel& m, std::string name) : m_(m), name_(std::move(name)) {}

  std::string inline_html(std::string_view text, std::size_t page, const Symbol* ctx) const {
    std::string out;
    for (const InlinePiece& p : split_code_spans(text)) {
      if (!p.code) out += bold(esc(p.text));
      else if (auto e = m_.resolve(p.text, ctx))
        out += "<a href=\"" + esc(m_.link(page, *e, kExt)) + "\"><code>" + esc(p.text) + "</code></a>";
      else out += "<code>" + esc(p.text) + "</code>";
    }
    return out;
  }

  // Markdown-ish prose: paragraphs, "- " lists, ``` fences, code spans, **bold**.
  std::string prose(std::string_view text, std::size_t page, const Symbol* ctx = nullptr) const {
    std::string out;
    std::istringstream in{std::string(text)};
    std::string line, para;
    bool in_list = false, in_fence = false;
    std::string fence_body;
    auto flush_para = [&] {
      if (!para.empty()) out += "<p>" + inline_html(para, page, ctx) + "</p>\n";
      para.clear();
    };
    auto close_list = [&] {
      if (in_list) out += "</ul>\n";
      in_list = false;
    };
    while (std::getline(in, line)) {
      if (line.rfind("```", 0) == 0) {
        if (in_fence) {
          out += "<pre><code>" + esc(fence_body) + "</code></pre>\n";
          fence_body.clear();
        } else {
          flush_para();
          close_list();
        }
        in_fence = !in_fence;
        continue;
      }
      if (in_fence) {
        fence_body += line + "\n";
        continue;
      }
      std::string_view l = line;
      while (!l.empty() && l.front() == ' ') l.remove_prefix(1);
      if (l.empty()) {
        flush_para();
        close_list();
      } else if (l.rfind("- ", 0) == 0 || l.rfind("* ", 0) == 0) {
        flush_para();
        if (!in_list) out += "<ul>\n";
        in_list = true;
        out += "<li>" + inline_html(l.substr(2), page, ctx) + "</li>\n";
      } else {
        if (in_list) close_list();
        if (!para.empty()) para += ' ';
        para += std::string(l);
      }
    }
    if (in_fence) out += "<pre><code>" + esc(fence_body) + "</code></pre>\n";
    flush_para();
    close_list();
    return out;
  }

  std::string symbol_link(std::size_t entry, std::size_t page) const {
    const Symbol& s = m_.symbol(m_.entries()[entry]);
    return "<a href=\"" + esc(m_.link(page, entry, kExt)) + "\"><code>" + esc(display_name(s)) +
           "</code></a>";
  }

  void relations(std::ostringstream& o, std::size_t symbol, std::size_t page) const {
    for (const RelatedGroup& g : m_.related(symbol)) {
      std::vector<std::string> links;
      for (const auto& id : g.ids)
        if (auto e = m_.entry_of(id)) links.push_back(symbol_link(*e, page));
        else links.push_back("<code>" + esc(m_.unlisted_name(id)) + "</code>");
      std::sort(links.begin(), links.end());
      // Two unlisted symbols of one name (tinyxml2's two `main`s) read as one.
      links.erase(std::unique(links.begin(), links.end()), links.end());
      o << "<p class=\"relations\"><strong>" << g.label << ":</strong> ";
      for (std::size_t i = 0; i < links.size() && i < 12; ++i) o << (i ? ", " : "") << links[i];
      if (links.size() > 12) o << " and " << links.size() - 12 << " more";
      o << "</p>\n";
    }
  }

  void entry(std::ostringstream& o, std::size_t ei, std::size_t page, int level) const {
    const SiteEntry& e = m_.entries()[ei];
    const Symbol& s = m_.symbol(e);
    int h = std::min(level, 6);
    o << "<section class=\"entry\" id=\"" << esc(e.anchor) << "\">\n<h" << h
      << "><span class=\"kind\">" << to_string(s.kind) << "</span> <code>"
      << esc(e.top_level ? display_name(s) : s.name) << "</code><a class=\"permalink\" href=\"#"
      << esc(e.anchor) << "\" title=\"Link to this symbol\">&#182;</a></h" << h << ">\n";
    if (!s.signature.empty())
      o << "<pre class=\"signature\"><code>" << esc(s.signature) << "</code></pre>\n";
    const SymbolDoc* d = e.doc;
    std::string summary = d ? d->summary : s.brief;
    if (!summary.empty()) o << "<div class=\"summary\">" << prose(summary, page, &s) << "</div>\n";
    if (d && !d->description.empty())
      o << "<div class=\"description\">" << prose(d->description, page, &s) << "</div>\n";
    if (std::string more = SiteModel::comment_beyond_brief(s); !d && !more.empty())
      o << "<div class=\"description\">" << prose(more, page, &s) << "</div>\n";
    if (d && !d->params.empty()) {
      o << "<p><strong>Parameters</strong></p>\n<table><tr><th>Name</th><th>Type</th>"
           "<th>Description</th></tr>\n";
      for (const ParamDoc& p : d->params) {
        std::string type;
        for (const Param& sp : s.params)
          if (sp.name == p.name) type = sp.type;
        o << "<tr><td><code>" << esc(p.name) << "</code></td><td>"
          << (type.empty() ? "" : "<code>" + esc(type) + "</code>") << "</td><td>"
          << inline_html(p.description, page, &s) << "</td></tr>\n";
      }
      o << "</table>\n";
    }  // no table of names and types alone: the signature shows them
    if (d && !d->returns.empty()) {
      o << "<p><strong>Returns</strong>";
      if (!s.return_type.empty()) o << " <code>" << esc(s.return_type) << "</code>";
      o << ": " << inline_html(d->returns, page, &s) << "</p>\n";
    }
    if (d && !d->throws.empty())
      o << "<p><strong>Throws:</strong> " << inline_html(d->throws, page, &s) << "</p>\n";
    if (d && !d->notes.empty())
      o << "<p><strong>Notes:</strong> " << inline_html(d->notes, page, &s) << "</p>\n";
    if (d)
      for (const std::string& ex : d->examples)
        o << "<p><strong>Example</strong></p>\n<pre><code>" << esc(ex) << "</code></pre>\n";
    if (auto refs = d ? m_.see_also(e.symbol, *d) : std::vector<std::string>{}; !refs.empty()) {
      o << "<p class=\"see-also\"><strong>See also:</strong> ";
      bool first = true;
      for (const std::string& ref : refs) {
        o << (first ? "" : ", ");
        first = false;
        if (auto t = m_.resolve(ref, &s)) o << symbol_link(*t, page);
        else o << "<code>" << esc(ref) << "</code>";
      }
      o << "</p>\n";
    }
    relations(o, e.symbol, page);
    auto linked = [&](const SourceRange& r) {
      std::string code = "<code>" + esc(range_text(r)) + "</code>";
      std::string url = source_url(m_.codebase(), r);
      return url.empty() ? code : "<a class=\"source\" href=\"" + esc(url) + "\">" + code + "</a>";
    };
    o << "<p class=\"location\">Defined in " << linked(s.location);
    if (s.declaration && s.declaration->file != s.location.file)
      o << " &#183; declared in " << linked(*s.declaration);
    o << "</p>\n";
    if (d) usage(o, e.symbol);
    std::string_view group;
    bool grouped = is_record(s.kind);
    for (std::size_t mi : e.members) {
      if (mi == ei) continue;
      std::string_view g = SiteModel::member_group(m_.symbol(m_.entries()[mi]).kind);
      if (grouped && g != group) {
        int gh = std::min(level + 1, 6);
        o << "<h" << gh << " class=\"member-group\">" << g << "</h" << gh << ">\n";
        group = g;
      }
      entry(o, mi, page, level + (grouped ? 2 : 1));
    }
    o << "</section>\n";
  }

  // Call sites from tests, examples and the library, as file:line with the calling line.
  void usage(std::ostringstream& o, std::size_t symbol) const {
    auto sites = m_.usages(symbol, 3);
    if (sites.empty()) return;
    o << "<p><strong>Usage</strong></p>\n<ul class=\"usage\">\n";
    for (const UsageSite& u : sites)
      o << "<li><code>" << esc(u.file + ":" + std::to_string(u.line)) << "</code> ("
        << to_string(u.role) << ")<pre><code>" << esc(u.snippet) << "</code></pre></li>\n";
    o << "</ul>\n";
  }

  std::string frame(const std::string& title, std::size_t current, const std::string& body) const {
    std::ostringstream o;
    o << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      << "<meta name=\"generator\" content=\"doctown " << version_string << "\">\n"
      << "<title>" << esc(title) << " &#8212; " << esc(name_) << "</title>\n"
      << "<link rel=\"stylesheet\" href=\"style.css\">\n</head>\n<body data-target=\"none\">\n"
      << "<header><a class=\"brand\" href=\"index.html\">" << esc(name_) << "</a>"
      << "<form id=\"search-form\" action=\"search.html\" role=\"search\">"
      << "<input id=\"search-box\" name=\"q\" type=\"search\" placeholder=\"Search symbols\" "
         "aria-label=\"Search symbols\" autocomplete=\"off\"></form></header>\n"
      << "<div class=\"layout\">\n<nav class=\"sidebar\">\n"
      << "<p><a href=\"index.html\">Overview</a><br><a href=\"diagrams.html\">Diagrams</a><br>"
         "<a href=\"search.html\">Search</a><br>"
         "<a href=\"llms.txt\" type=\"text/plain\">llms.txt</a></p>\n";
    std::size_t shown = 0;
    for (const char* kind : {"namespace", "class", "header", "file"}) {
      bool any = false;
      for (std::size_t pi = 0; pi < m_.pages().size(); ++pi) {
        const SitePage& p = m_.pages()[pi];
        if (p.kind != kind) continue;
        if (shown >= 300) break;  // huge codebases: the index lists every page
        if (!any)
          o << "<h3>"
            << (p.kind == "namespace" ? "Namespaces"
                : p.kind == "class"   ? "Classes"
                : p.kind == "header"  ? "Headers"
                                      : "Files")
            << "</h3>\n<ul>\n";
        any = true;
        ++shown;
        o << "<li><a href=\"" << esc(m_.page_link(pi, kExt)) << "\""
          << (pi == current ? " class=\"current\"" : "") << ">" << esc(p.label)
          << (p.parts > 1 ? " (" + std::to_string(p.part) + ")" : "") << "</a></li>\n";
      }
      if (any) o << "</ul>\n";
    }
    o << "</nav>\n<main>\n" << body << "</main>\n</div>\n"
      << "<script src=\"search-index.js\"></script>\n<script src=\"site.js\"></script>\n"
      << "</body>\n</html>\n";
    return o.str();
  }

  void contents(std::ostringstream& o, const std::vector<std::size_t>& list, std::size_t pi) const {
    o << "<table class=\"contents\"><tr><th>Symbol</th><th>Kind</th><th>Summary</th></tr>\n";
    for (std::size_t ei : list) {
      const Symbol& s = m_.symbol(m_.entries()[ei]);
      o << "<tr><td>" << symbol_link(ei, pi) << "</td><td>" << to_string(s.kind) << "</td><td>"
        << inline_html(summary_of(m_.docs(), s), pi, &s) << "</td></tr>\n";
    }
    o << "</table>\n";
  }

  std::string page(std::size_t pi) const {
    const SitePage& p = m_.pages()[pi];
    std::ostringstream o;
    o << "<h1>" << esc(p.title) << "</h1>\n";
    if (p.parent)
      o << "<p>In <a href=\"" << esc(m_.page_link(*p.parent, kExt)) << "\">"
        << esc(m_.pages()[*p.parent].title) << "</a></p>\n";
    if (p.namespace_symbol && p.part == 1) {
      const Symbol& ns = m_.codebase().symbols[*p.namespace_symbol];
      if (auto it = m_.docs().docs->find(ns.id); it != m_.docs().docs->end()) {
        o << prose(it->second.summary, pi, &ns) << prose(it->second.description, pi, &ns);
      } else if (!ns.brief.empty()) {
        o << prose(ns.brief, pi, &ns);
      }
    }
    if (!p.entries.empty() && p.kind != "class")
      o << "<p>" << p.symbols << " symbols, " << p.documented << " documented.</p>\n";
    if (!p.listed.empty()) {
      o << (p.kind == "header" ? "<h2>Declared in this header</h2>\n" : "<h2>Classes</h2>\n");
      contents(o, p.listed, pi);
    }
    if (p.kind != "class" && !p.entries.empty()) contents(o, p.entries, pi);
    for (std::size_t ei : p.entries) entry(o, ei, pi, 2);
    return frame(p.title, pi, o.str());
  }

  std::string index() const {
    const DocSet& d = m_.docs();
    const Codebase& cb = m_.codebase();
    std::ostringstream o;
    o << "<h1>" << esc(name_) << " documentation</h1>\n";
    o << "<p>Generated by doctown " << version_string << " on "
      << esc(d.generated_at.empty() ? std::string("(unknown date)") : d.generated_at) << " with <code>"
      << esc(d.llm_model.empty() ? std::string("no LLM") : d.llm_model) << "</code>. "
      << "<span id=\"index-count\"></span></p>\n";
    o << "<h2 id=\"overview\">Overview</h2>\n<ul>\n<li>Source: <code>"
      << esc(source_label(cb)) << "</code>";
    if (!cb.source.commit.empty()) o << " at <code>" << esc(cb.source.commit) << "</code>";
    o << "</li>\n<li>Files: " << cb.files.size() << "</li>\n<li>Symbols: " << cb.symbols.size()
      << "</li>\n<li>Documented: " << d.docs->size() << "</li>\n";
    if (!d.failures->empty())
      o << "<li>Not documented (failures): " << d.failures->size() << "</li>\n";
    o << "</ul>\n<h2 id=\"architecture\">Architecture</h2>\n"
      << prose(architecture_overview(d), SiteModel::npos)
      << "<p><a href=\"diagrams.html\">Class hierarchy and file dependency diagrams</a></p>\n";
    o << "<h2 id=\"modules\">Namespaces and modules</h2>\n<table><tr><th>Page</th><th>Kind</th>"
         "<th>Symbols</th><th>Documented</th></tr>\n";
    for (std::size_t pi = 0; pi < m_.pages().size(); ++pi) {
      const SitePage& p = m_.pages()[pi];
      o << "<tr><td><a href=\"" << esc(m_.page_link(pi, kExt)) << "\"><code>" << esc(p.label)
        << "</code></a></td><td>" << p.kind << "</td><td>" << p.symbols << "</td><td>"
        << p.documented << "</td></tr>\n";
    }
    o << "</table>\n<h2 id=\"central\">Most central symbols</h2>\n<table><tr><th>Symbol</th>"
         "<th>Kind</th><th>Location</th><th>Summary</th></tr>\n";
    for (std::size_t ei : m_.central_entries(15)) {
      const Symbol& s = m_.symbol(m_.entries()[ei]);
      o << "<tr><td>" << symbol_link(ei, SiteModel::npos) << "</td><td>" << to_string(s.kind)
        << "</td><td><code>" << esc(s.location.file + ":" + std::to_string(s.location.line))
        << "</code></td><td>" << inline_html(summary_of(d, s), SiteModel::npos, &s)
        << "</td></tr>\n";
    }
    o << "</table>\n";
    if (!d.failures->empty()) {
      o << "<h2 id=\"failures\">Symbols that could not be documented</h2>\n<ul>\n";
      for (const SymbolFailure& f : *d.failures) {
        o << "<li>";
        if (auto e = m_.entry_of(f.id)) o << symbol_link(*e, SiteModel::npos);
        else o << "<code>" << esc(f.id) << "</code>";
        o << ": " << esc(f.reason) << "</li>\n";
      }
      o << "</ul>\n";
    }
    return frame("Overview", SiteModel::npos, o.str());
  }

  std::string search_page() const {
    std::string body =
        "<h1>Search</h1>\n<p id=\"search-status\">Type a symbol name or words from its "
        "summary.</p>\n<ol id=\"search-results\"></ol>\n"
        "<noscript><p class=\"note\">Search needs JavaScript; the <a href=\"index.html\">"
        "index</a> lists every page.</p></noscript>\n";
    return frame("Search", SiteModel::npos, body);
  }

  std::string search_index() const {
    json::array a;
    for (std::size_t ei = 0; ei < m_.entries().size(); ++ei) {
      const SiteEntry& e = m_.entries()[ei];
      const Symbol& s = m_.symbol(e);
      if (s.kind == SymbolKind::enumerator && !e.doc) continue;
      a.push_back(json::object{{"n", s.name},
                               {"q", display_name(s)},
                               {"k", to_string(s.kind)},
                               {"s", summary_of(m_.docs(), s)},
                               {"u", m_.link(SiteModel::npos, ei, kExt)},
                               {"l", s.location.file + ":" + std::to_string(s.location.line)},
                               // documented symbols rank slightly higher on ties
                               {"r", e.doc ? 1 : 0}});
    }
    std::string text = json::serialize(a);
    // Keep the script safe to parse whatever the summaries contain.
    std::string out = "window.DOCTOWN_SEARCH_INDEX = ";
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text.compare(i, 3, "\xE2\x80\xA8") == 0) { out += "\\u2028"; i += 2; }
      else if (text.compare(i, 3, "\xE2\x80\xA9") == 0) { out += "\\u2029"; i += 2; }
      else out += text[i];
    }
    return out + ";\n";
  }

  const SiteModel& model() const { return m_; }

 private:
  const SiteModel& m_;
  std::string name_;
};

class HtmlWriter final : public Writer {
 public:
  explicit HtmlWriter(HtmlOptions o) : options_(std::move(o)) {}
  std::string_view format() const override { return "html"; }

  result<fs::path> write(const DocSet& docs, const fs::path& out_dir, const std::string& name,
                         const RunContext& ctx) override {
    if (auto ok = check_output_name(name); !ok) return ok.error();
    if (auto ok = validate_docset(docs); !ok) return ok.error();
    fs::path final_dir = out_dir / name / "html";
    auto written = write_dir_staged(final_dir, "rendering HTML",
                                    [&](const fs::path& staging) -> doctown::result<void> {
      SiteModel model(docs);
      HtmlRenderer r(model, name);
      auto put = [&](const std::string& file, const std::string& text) {
        return write_text(staging / file, text);
      };
      for (auto [file, text] :
           {std::pair<std::string, std::string>{"style.css", kHtmlStyle},
            {"site.js", kHtmlScript},
            {"search-index.js", r.search_index()},
            {"index.html", r.index()},
            {"search.html", r.search_page()},
            {"diagrams.html", diagrams(model, r, staging, ctx)}})
        if (auto ok = put(file, text); !ok) return ok;
      for (std::size_t pi = 0; pi < model.pages().size(); ++pi) {
        if (ctx.stop_requested()) return fail(errc::cancelled, "cancelled", final_dir.string());
        if (auto ok = put(model.pages()[pi].slug + ".html", r.page(pi)); !ok) return ok;
      }
      LlmsTxt llms = render_llms_txt(model, name, kExt);
      if (auto ok = put("llms.txt", llms.index); !ok) return ok;
      return put("llms-full.txt", llms.full);
    });
    if (!written) return std::move(written).error();
    ctx.note("write", "HTML site written to " + final_dir.string());
    return final_dir;
  }

 private:
  static void failure_note(std::ostringstream& o, const std::string& title,
                           const std::string& why, const RunContext& ctx) {
    o << "<p class=\"note diagram-missing\">The diagram could not be drawn: " << esc(why)
      << "</p>\n";
    ctx.diagnostic("write", Diagnostic::Severity::warning,
                   "diagram '" + title + "' not drawn: " + why);
  }

  // One diagram: an SVG from dot, or a note saying why there is none; always followed by the
  // edges as a list, so the information is there without Graphviz too.
  std::string diagram(const std::string& title, const std::string& dot,
                      const std::vector<std::string>& edge_items, const fs::path& work,
                      const RunContext& ctx) const {
    std::ostringstream o;
    o << "<h2>" << esc(title) << "</h2>\n";
    if (edge_items.empty()) {
      o << "<p class=\"note\">Nothing to draw: the codebase has no such relations.</p>\n";
      return o.str();
    }
    if (!options_.diagrams) {
      o << "<p class=\"note\">Diagrams were turned off for this build.</p>\n";
    } else if (auto svg = render_dot_svg(dot, options_.dot_path, options_.dot_timeout_s, work);
               !svg && svg.error().code == errc::not_found) {
      o << "<p class=\"note diagram-missing\">Graphviz <code>dot</code> is not installed, so "
           "this diagram was not drawn; install graphviz and rebuild to get it.</p>\n";
      ctx.diagnostic("write", Diagnostic::Severity::warning,
                     "diagram '" + title + "' not drawn: " + svg.error().what());
    } else if (!svg) {
      failure_note(o, title, svg.error().what(), ctx);
    } else if (svg->size() <= kInlineSvgLimit) {
      o << "<div class=\"diagram\">\n" << *svg << "</div>\n";
    } else {
      // A big graph (spdlog's 150 classes) goes to its own file, so that no page of the site
      // grows past a few hundred KB; <object> keeps the nodes' links working (they carry
      // target="_top").
      std::string file = "diagrams-" + slugify(title) + ".svg";
      if (auto ok = write_text(work / file, *svg); !ok)
        failure_note(o, title, ok.error().what(), ctx);
      else
        o << "<div class=\"diagram\"><object data=\"" << esc(file)
          << "\" type=\"image/svg+xml\" aria-label=\"" << esc(title) << "\"></object></div>\n";
    }
    o << "<details><summary>" << edge_items.size()
      << (edge_items.size() == 1 ? " relation" : " relations") << " as a list</summary>\n<ul>\n";
    for (const std::string& item : edge_items) o << "<li>" << item << "</li>\n";
    o << "</ul></details>\n";
    return o.str();
  }

  std::string diagrams(const SiteModel& m, const HtmlRenderer& r, const fs::path& work,
                       const RunContext& ctx) const {
    const Codebase& cb = m.codebase();
    auto pr = pagerank_map(*m.docs().graph);
    std::ostringstream body;
    body << "<h1>Diagrams</h1>\n";

    // Class hierarchy: records joined by `inherits`, most central kept.
    {
      std::vector<const Relation*> edges;
      std::set<std::string> ids;
      for (const Relation& rel : cb.relations)
        if (rel.kind == RelationKind::inherits) {
          edges.push_back(&rel);
          ids.insert(rel.from);
          ids.insert(rel.to);
        }
      std::vector<std::string> keep(ids.begin(), ids.end());
      std::stable_sort(keep.begin(), keep.end(), [&](const std::string& a, const std::string& b) {
        return lookup(pr, a) > lookup(pr, b);
      });
      if (keep.size() > options_.max_diagram_nodes) keep.resize(options_.max_diagram_nodes);
      std::set<std::string> kept(keep.begin(), keep.end());
      std::ostringstream dot;
      dot << "digraph classes {\n  rankdir=BT;\n  node [shape=box, style=rounded, "
             "fontname=\"Helvetica\", fontsize=10];\n  edge [arrowhead=empty];\n";
      std::vector<std::string> items;
      auto label = [&](const std::string& id) {
        const Symbol* s = cb.find(id);
        return s ? display_name(*s) : id;
      };
      for (const std::string& id : keep) {
        dot << "  " << dot_quote(id) << " [label=" << dot_quote(label(id));
        if (auto e = m.entry_of(id))
          dot << ", URL=" << dot_quote(m.link(SiteModel::npos, *e, kExt)) << ", target=\"_top\"";
        dot << "];\n";
      }
      for (const Relation* rel : edges) {
        if (!kept.count(rel->from) || !kept.count(rel->to)) continue;
        dot << "  " << dot_quote(rel->from) << " -> " << dot_quote(rel->to) << ";\n";
        auto link = [&](const std::string& id) {
          if (auto e = m.entry_of(id)) return r.symbol_link(*e, SiteModel::npos);
          return "<code>" + esc(id) + "</code>";
        };
        items.push_back(link(rel->from) + " inherits from " + link(rel->to));
      }
      dot << "}\n";
      body << diagram("Class hierarchy", dot.str(), items, work, ctx);
    }

    // File dependencies: `includes` between files.
    {
      std::vector<const Relation*> edges;
      std::map<std::string, double> weight;
      for (const Relation& rel : cb.relations)
        if (rel.kind == RelationKind::includes) {
          edges.push_back(&rel);
          weight[rel.from] = lookup(pr, rel.from);
          weight[rel.to] = lookup(pr, rel.to);
        }
      std::vector<std::string> keep;
      for (const auto& [id, _] : weight) keep.push_back(id);
      std::stable_sort(keep.begin(), keep.end(), [&](const std::string& a, const std::string& b) {
        return weight[a] > weight[b];
      });
      if (keep.size() > options_.max_diagram_nodes) keep.resize(options_.max_diagram_nodes);
      std::set<std::string> kept(keep.begin(), keep.end());
      auto path_of = [](const std::string& id) {
        return id.rfind("file:", 0) == 0 ? id.substr(5) : id;
      };
      std::map<std::string, std::size_t> file_page;
      for (std::size_t pi = 0; pi < m.pages().size(); ++pi)
        if (m.pages()[pi].kind == "file") file_page[m.pages()[pi].label] = pi;
      std::ostringstream dot;
      dot << "digraph files {\n  rankdir=LR;\n  node [shape=note, fontname=\"Helvetica\", "
             "fontsize=10];\n";
      for (const std::string& id : keep) {
        dot << "  " << dot_quote(id) << " [label=" << dot_quote(path_of(id));
        if (auto it = file_page.find(path_of(id)); it != file_page.end())
          dot << ", URL=" << dot_quote(m.page_link(it->second, kExt)) << ", target=\"_top\"";
        dot << "];\n";
      }
      std::vector<std::string> items;
      for (const Relation* rel : edges) {
        if (!kept.count(rel->from) || !kept.count(rel->to)) continue;
        dot << "  " << dot_quote(rel->from) << " -> " << dot_quote(rel->to) << ";\n";
        items.push_back("<code>" + esc(path_of(rel->from)) + "</code> includes <code>" +
                        esc(path_of(rel->to)) + "</code>");
      }
      dot << "}\n";
      body << diagram("File dependencies", dot.str(), items, work, ctx);
    }
    return r.frame("Diagrams", SiteModel::npos, body.str());
  }

  HtmlOptions options_;
};

}  // namespace
}  // namespace detail

result<std::unique_ptr<Writer>> make_html_writer(HtmlOptions options) {
  if (!(options.dot_timeout_s > 0))
    return fail(errc::invalid_argument, "HtmlOptions::dot_timeout_s must be positive",
                "dot_timeout_s");
  if (options.max_diagram_nodes == 0)
    return fail(errc::invalid_argument, "HtmlOptions::max_diagram_nodes must be at least 1",
                "max_diagram_nodes");
  if (options.dot_path.empty())
    return fail(errc::invalid_argument, "HtmlOptions::dot_path is empty", "dot_path");
  return std::unique_ptr<Writer>(std::make_unique<detail::HtmlWriter>(std::move(options)));
}

result<std::unique_ptr<Writer>> make_html_writer() { return make_html_writer(HtmlOptions{}); }

}  // namespace doctown
