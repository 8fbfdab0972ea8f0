#!/bin/sh
# The example program (examples/build_docs.cpp, public API only) must produce what
# `doctown build SOURCE -o OUT` produces without an API key: the same docpack counts and the
# same Markdown and HTML pages. A difference means the CLI holds policy the library lacks.
# Usage: compare_example_build.sh DOCTOWN_CLI EXAMPLE SOURCE WORK_DIR
set -eu
cli=$1 example=$2 source=$3 work=$4
rm -rf "$work"
mkdir -p "$work"
# No key, no server, no .env: both runs resolve `auto` to the offline writer.
env -u OPENAI_API_KEY -u OPENAI_BASE_URL -u OPENAI_MODEL -u OPENAI_EMBEDDING_API_KEY \
    sh -c 'cd "$1" && "$2" build "$3" -o "$1/cli"' _ "$work" "$cli" "$source" \
    > "$work/cli.out" 2> "$work/cli.err" || { cat "$work/cli.err"; exit 1; }
"$example" "$source" "$work/example" > "$work/example.out" 2> "$work/example.err" ||
  { cat "$work/example.err"; exit 1; }

# Progress went to stderr, by stage.
for stage in analyze embed llm verify write; do
  grep -q "^\[$stage\] started" "$work/example.err" ||
    { echo "no progress for stage $stage on stderr"; cat "$work/example.err"; exit 1; }
done

set -- "$work"/cli/*.docpack
[ -f "$1" ] || { echo "the CLI wrote no docpack"; exit 1; }
name=$(basename "$1" .docpack)
[ -f "$work/example/$name.docpack" ] || { echo "the example wrote no $name.docpack"; exit 1; }

counts() {
  "$cli" inspect "$1" --json | sed -n 's/.*"counts":\({[^}]*}\).*/\1/p'
}
a=$(counts "$work/cli/$name.docpack")
b=$(counts "$work/example/$name.docpack")
[ -n "$a" ] || { echo "no counts from inspect"; exit 1; }
case $a in *'"symbols":0,'*) echo "the sample project gave no symbols: $a"; exit 1 ;; esac
[ "$a" = "$b" ] || { echo "docpack counts differ: CLI $a, example $b"; exit 1; }

for format in markdown html; do
  (cd "$work/cli/$name/$format" && find . -type f | sort) > "$work/cli-$format.txt"
  (cd "$work/example/$name/$format" && find . -type f | sort) > "$work/example-$format.txt"
  [ -s "$work/cli-$format.txt" ] || { echo "the CLI wrote no $format pages"; exit 1; }
  diff "$work/cli-$format.txt" "$work/example-$format.txt" ||
    { echo "$format pages differ between the CLI and the example"; exit 1; }
done
# Both keep their cache in the output folder (a library default, not the CLI's).
[ -d "$work/example/.doctown-cache" ] || { echo "the example kept no cache in its output"; exit 1; }
echo "same docpack counts ($a) and the same $(wc -l < "$work/cli-markdown.txt") Markdown and \
$(wc -l < "$work/cli-html.txt") HTML pages"
