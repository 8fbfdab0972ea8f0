// lib/format: the one mapping between doctown's value types and JSON. Symbol, Relation,
// SymbolDoc, flags and the typed Manifest are turned into JSON and back here and nowhere else:
// the docpack writer and reader, `analyze --json`, `inspect` and the MCP server all call it.
// May depend on lib/core and the public types; nothing else depends on it except its users.
//
// Boost.JSON's customisation points (tag_invoke for value_from/value_to) carry the canonical
// form of each type. The docpack's chunk record is a second, fixed layout (Doctown 6.1
// compatible); its mapping lives here too so that adding a Symbol field touches one file:
// add it to tag_invoke(Symbol) and, if the docpack should carry it, to chunk_json /
// symbol_from_chunk (under metadata.extra).
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "doctown/docpack.hpp"
#include "doctown/types.hpp"

namespace doctown {

/// The flag-name table: every doctown::flags bit and its JSON name, in bit order.
std::span<const std::pair<std::uint32_t, std::string_view>> flag_table() noexcept;
/// Names of the set bits, in table order.
boost::json::array flags_to_json(std::uint32_t flags);
/// Bits of the known names in an array of strings (unknown names and non-strings ignored).
std::uint32_t flags_from_json(const boost::json::value* names);

/// The strings of the array at `key` (missing key or non-string elements are skipped).
std::vector<std::string> string_list(const boost::json::object& o, std::string_view key);

/// Access from its to_string() name; Access::none for anything else.
Access access_from_string(std::string_view s) noexcept;

// Canonical forms (value_from / value_to). Readers are lenient: missing or mistyped fields
// take their defaults, so a damaged record never throws.
void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const Param& p);
Param tag_invoke(boost::json::value_to_tag<Param>, const boost::json::value& v);
void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const SourceRange& r);
SourceRange tag_invoke(boost::json::value_to_tag<SourceRange>, const boost::json::value& v);
/// {from, to, kind} (+ weight for `similar`).
void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const Relation& r);
void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const ParamDoc& p);
ParamDoc tag_invoke(boost::json::value_to_tag<ParamDoc>, const boost::json::value& v);
/// documentation.json's summary record: {symbol_id, summary, description, params, returns,
/// throws, notes, examples, see_also, source}.
void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const SymbolDoc& d);
SymbolDoc tag_invoke(boost::json::value_to_tag<SymbolDoc>, const boost::json::value& v);
/// The flat symbol record of `analyze --json` and the MCP server.
void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const Symbol& s);
void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const Diagnostic& d);
void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const RunStats& s);
RunStats tag_invoke(boost::json::value_to_tag<RunStats>, const boost::json::value& v);
void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const Manifest& m);
Manifest tag_invoke(boost::json::value_to_tag<Manifest>, const boost::json::value& v);

/// The docpack's chunk record (Doctown 6.1 layout) without the relation lists and scores,
/// which the writer adds from the graph and the DocScores.
boost::json::object chunk_json(const Symbol& s);
/// A Symbol from a chunk record (the inverse of chunk_json; relation lists are not read).
Symbol symbol_from_chunk(const boost::json::object& chunk);

/// graph.json's edge record {from, to, edge_type, score}.
boost::json::object graph_edge_json(const Relation& r);
/// A relation from an edge record; nullopt for edge types doctown does not know.
std::optional<Relation> relation_from_graph_edge(const boost::json::object& edge);

}  // namespace doctown
