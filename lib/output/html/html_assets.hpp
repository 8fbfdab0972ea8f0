// Private: the static assets of the HTML site (stylesheet and script). They are plain files
// next to the pages, so the site works from file:// with no network.
#pragma once

namespace doctown::detail {

inline constexpr const char* kHtmlStyle = R"CSS(:root { --fg: #1f2328; --muted: #59636e; --bg: #fff; --side: #f6f8fa; --line: #d1d9e0;
  --link: #0969da; --code: #eff1f3; --hl: #fff8c5; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.55 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
  color: var(--fg); background: var(--bg); }
header { display: flex; align-items: center; gap: 1rem; padding: .6rem 1.2rem;
  border-bottom: 1px solid var(--line); background: var(--side); position: sticky; top: 0; z-index: 2; }
header .brand { font-weight: 600; color: var(--fg); text-decoration: none; }
header form { margin-left: auto; }
header input { width: 22rem; max-width: 50vw; padding: .35rem .6rem; border: 1px solid var(--line);
  border-radius: 6px; font: inherit; }
.layout { display: flex; align-items: flex-start; }
nav.sidebar { width: 16rem; flex: none; padding: 1rem; border-right: 1px solid var(--line);
  position: sticky; top: 3rem; max-height: calc(100vh - 3rem); overflow: auto; font-size: 14px; }
nav.sidebar h3 { font-size: 12px; text-transform: uppercase; color: var(--muted); margin: 1rem 0 .3rem; }
nav.sidebar ul { list-style: none; padding: 0; margin: 0; }
nav.sidebar li a.current { font-weight: 600; }
main { flex: 1; min-width: 0; padding: 1rem 2rem 4rem; max-width: 64rem; }
a { color: var(--link); text-decoration: none; }
a:hover { text-decoration: underline; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
code { background: var(--code); padding: .1em .3em; border-radius: 4px; }
pre { background: var(--code); padding: .7rem 1rem; border-radius: 6px; overflow: auto; }
pre code { background: none; padding: 0; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { border: 1px solid var(--line); padding: .3rem .6rem; text-align: left; vertical-align: top; }
section.entry { border-top: 1px solid var(--line); padding-top: .6rem; margin-top: 1.2rem;
  scroll-margin-top: 3.5rem; }
section.entry section.entry { margin-left: 1rem; }
section.entry.targeted { background: var(--hl); }
.kind { color: var(--muted); font-weight: 400; font-size: .85em; }
.permalink { color: var(--muted); margin-left: .3rem; font-size: .8em; }
.location { color: var(--muted); font-size: 13px; }
.note { color: var(--muted); font-style: italic; }
.diagram svg { max-width: 100%; height: auto; }
#search-results li { margin: .5rem 0; }
#search-results .where { color: var(--muted); font-size: 13px; margin-left: .5rem; }
)CSS";

inline constexpr const char* kHtmlScript = R"JS((function () {
  'use strict';
  var index = window.DOCTOWN_SEARCH_INDEX || [];

  function lower(s) { return (s || '').toLowerCase(); }

  // Score one entry against all query terms; 0 when a term matches nothing.
  function score(e, terms) {
    var total = 0;
    for (var i = 0; i < terms.length; i++) {
      var t = terms[i], n = lower(e.n), q = lower(e.q), s = lower(e.s);
      var best = 0;
      if (n === t || q === t) best = 100;
      else if (n.indexOf(t) === 0) best = 70;
      else if (n.indexOf(t) >= 0) best = 50;
      else if (q.indexOf(t) >= 0) best = 40;
      else if (s.indexOf(t) >= 0) best = 15;
      if (!best) return 0;
      total += best;
    }
    return total;
  }

  function search(query) {
    var terms = lower(query).split(/\s+/).filter(function (t) { return t.length > 0; });
    if (!terms.length) return [];
    var hits = [];
    for (var i = 0; i < index.length; i++) {
      var sc = score(index[i], terms);
      if (sc > 0) hits.push({ e: index[i], s: sc + (index[i].r || 0) });
    }
    hits.sort(function (a, b) { return b.s - a.s || (a.e.q < b.e.q ? -1 : 1); });
    return hits.slice(0, 100).map(function (h) { return h.e; });
  }

  function render(list, query) {
    var out = document.getElementById('search-results');
    if (!out) return;
    while (out.firstChild) out.removeChild(out.firstChild);
    var status = document.getElementById('search-status');
    var results = search(query);
    if (status)
      status.textContent = query ? results.length + ' result' + (results.length === 1 ? '' : 's') +
          ' for "' + query + '"' : 'Type a symbol name or words from its summary.';
    results.forEach(function (e) {
      var li = document.createElement('li');
      var a = document.createElement('a');
      a.href = e.u;
      a.className = 'result';
      var code = document.createElement('code');
      code.textContent = e.q || e.n;
      a.appendChild(code);
      li.appendChild(a);
      var kind = document.createElement('span');
      kind.className = 'where';
      kind.textContent = e.k + ' \u00b7 ' + e.l;
      li.appendChild(kind);
      if (e.s) {
        var p = document.createElement('div');
        p.textContent = e.s;
        li.appendChild(p);
      }
      out.appendChild(li);
    });
  }

  function queryFromLocation() {
    var h = location.hash.replace(/^#/, '');
    var m = /(?:^|&)q=([^&]*)/.exec(h) || /[?&]q=([^&]*)/.exec(location.search);
    return m ? decodeURIComponent(m[1].replace(/\+/g, ' ')) : '';
  }

  // Highlight the entry the URL points at, and record whether it exists.
  function markTarget() {
    var old = document.querySelectorAll('.targeted');
    for (var i = 0; i < old.length; i++) old[i].classList.remove('targeted');
    var id = decodeURIComponent(location.hash.replace(/^#/, ''));
    if (!id || /^q=/.test(id)) { document.body.setAttribute('data-target', 'none'); return; }
    var el = document.getElementById(id);
    if (el) el.classList.add('targeted');
    document.body.setAttribute('data-target', el ? 'found' : 'missing');
  }

  document.addEventListener('DOMContentLoaded', function () {
    var count = document.getElementById('index-count');
    if (count) count.textContent = index.length + ' symbols in the search index';
    var box = document.getElementById('search-box');
    var form = document.getElementById('search-form');
    var onSearchPage = !!document.getElementById('search-results');
    if (form && box) {
      form.addEventListener('submit', function (ev) {
        ev.preventDefault();
        location.href = 'search.html#q=' + encodeURIComponent(box.value);
        if (onSearchPage) render(null, box.value);
      });
    }
    if (onSearchPage) {
      var q = queryFromLocation();
      if (box) {
        box.value = q;
        box.addEventListener('input', function () {
          history.replaceState(null, '', '#q=' + encodeURIComponent(box.value));
          render(null, box.value);
        });
      }
      render(null, q);
      window.addEventListener('hashchange', function () { render(null, queryFromLocation()); });
    } else {
      markTarget();
      window.addEventListener('hashchange', markTarget);
    }
  });
})();
)JS";

}  // namespace doctown::detail
