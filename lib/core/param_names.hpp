// Private: how a parameter is named, in one place for the analyzers (which record parameters as
// each language writes them) and the verifier (which matches the names a doc describes against
// them). Receivers (`self`, `&mut self`, `cls`, C++'s implicit `this`), patterns (`mut x`,
// `ref x`), variadics (`*args`, `**kwargs`, `args...`), type annotations and defaults all come
// down to one key, so `&mut self` in a signature and `self` in a doc are the same parameter.
#pragma once

#include <string>
#include <string_view>

namespace doctown::detail {

/// The comparison key of a parameter name as written in a signature or a doc: backticks,
/// `&`/`*` sigils, `mut `/`ref ` binding modes, `...`, a `: type` annotation and a `= default`
/// dropped. "&mut self" → "self", "**kwargs" → "kwargs", "`x: int = 3`" → "x".
std::string param_key(std::string_view name);

/// True when a key names a method's receiver: `self`, `cls` or `this`.
bool is_receiver(std::string_view key);

}  // namespace doctown::detail
