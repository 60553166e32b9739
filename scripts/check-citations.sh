#!/bin/sh
# Checks that every platform-fact citation in the tree resolves inside the
# repository (docs/README.md#checks says what and why):
#   - docs/PAGE.md#ID in any file, and PAGE.md#ID, #ID and relative file
#     links inside docs/, name a page, a section id or a file that exists;
#   - nothing cites outside the repository: S§n, SEMANTICS, a shared/ path,
#     DESIGN.md, harness/ops.c;
#   - the old undefined source abbreviations (ML, WP, WS, WT, "(P)") are gone;
#   - every [KEY] used in docs/ is defined once in docs/sources.md, and no
#     page defines a section id twice;
#   - every repository path docs/ names in backticks exists.
#
#   sh scripts/check-citations.sh [ROOT]     check the tree at ROOT (default:
#                                            this script's repository)
#   sh scripts/check-citations.sh --self-test  show that each rule fails on a
#                                            tree made to break it
# Exit 0: all resolve; 1: problems, one "file:line: what" line each; 2: bad
# usage or an unreadable tree.
set -u

die() { echo "check-citations: $*" >&2; exit 2; }

# The files to scan: source, build and text files, never build trees, .git,
# this script, or docs/README.md (which names the forbidden forms to
# explain them; its links are still checked).
files() {
  find "$1" \( -name .git -o -path "$1/build" -o -path "$1/build-*" \
               -o -path "$1/bench/results" \) -prune -o -type f \
       \( -name '*.c' -o -name '*.h' -o -name '*.cmake' -o -name '*.txt' \
          -o -name '*.sh' -o -name '*.py' -o -name '*.md' -o -name '*.trace' \
          -o -name '*.in' -o -name '*.yml' -o -name '*.yaml' \) -print |
    sed "s|^$1/||" | LC_ALL=C sort |
    while IFS= read -r f; do
      case $f in
      scripts/check-citations.sh | cite-map.sh) ;;
      README.md) echo "$f" ;;
      *) echo "$f" ;;
      esac
    done
}

# Section ids of one page (anchors that open a heading), one a line.
ids_of() { grep -oE '^#+ <a id="[^"]*"' "$1" | sed 's/^#* <a id="//; s/"$//'; }

check() {
  root=$1
  [ -d "$root/docs" ] || die "$root: no docs/ directory"
  [ -f "$root/docs/sources.md" ] || die "$root/docs/sources.md: missing"
  tmp=$(mktemp -d) || die "cannot make a temporary directory"
  list=$tmp/files
  files "$root" >"$list"
  [ -s "$list" ] || die "$root: no files to check"
  out=$tmp/problems
  : >"$out"

  # 1. docs/PAGE.md[#ID] citations anywhere.
  while IFS= read -r f; do
    grep -noE 'docs/[A-Za-z0-9_-]+\.md(#[a-z0-9_-]+)?' "$root/$f" 2>/dev/null |
      while IFS=: read -r line cite; do
        page=${cite%%#*}
        if [ ! -f "$root/$page" ]; then
          echo "$f:$line: $cite: no page $page" >>"$out"
        elif [ "$page" != "$cite" ]; then
          id=${cite#*#}
          ids_of "$root/$page" | grep -qxF "$id" ||
            echo "$f:$line: $cite: $page has no section id '$id'" >>"$out"
        fi
      done
  done <"$list"

  # 2. Links inside docs/: (PAGE.md#ID), (#ID), (relative/file).
  for p in "$root"/docs/*.md; do
    rel=${p#"$root/"}
    dir=$(dirname "$p")
    grep -noE '\]\([^)[:space:]]+\)' "$p" |
      while IFS=: read -r line link; do
        target=${link#"]("}; target=${target%")"}
        case $target in http://* | https://* | mailto:*) continue ;; esac
        file=${target%%#*}
        [ -n "$file" ] || file=$(basename "$p")
        if [ ! -e "$dir/$file" ]; then
          echo "$rel:$line: link $target: no file docs/$file" >>"$out"
          continue
        fi
        case $target in
        *#*)
          id=${target#*#}
          ids_of "$dir/$file" | grep -qxF "$id" ||
            echo "$rel:$line: link $target: no section id '$id' in docs/$file" >>"$out"
          ;;
        esac
      done
    ids_of "$p" | LC_ALL=C sort | uniq -d | while IFS= read -r dup; do
      echo "$rel: section id '$dup' is defined twice" >>"$out"
    done
  done

  # 3. Citations outside the repository, and the old abbreviations.
  grep -v '^docs/README.md$' "$list" | while IFS= read -r f; do
    grep -nE 'S§|SEMANTICS|(^|\.\./|/work/|[^A-Za-z0-9_./-])shared/|DESIGN\.md|harness/ops\.c' \
      "$root/$f" 2>/dev/null | while IFS=: read -r line text; do
      echo "$f:$line: cites outside the repository (use docs/<page>.md#<id>): $(echo "$text" | sed 's/^[[:space:]]*//' | cut -c1-70)" >>"$out"
    done
    grep -nE '(^|[^A-Za-z0-9_])(ML|WP|WS|WT) [A-Za-z_]|\(P\)|\(P;|, P\)' "$root/$f" 2>/dev/null |
      while IFS=: read -r line text; do
        echo "$f:$line: undefined source abbreviation (cite docs/<page>.md#<id>): $(echo "$text" | sed 's/^[[:space:]]*//' | cut -c1-70)" >>"$out"
      done
  done

  # 4. Source keys: defined once in sources.md, every use defined.
  keys=$tmp/keys
  grep -oE '^## <a id="[^"]*"></a>\[[A-Z][A-Z0-9-]*\]' "$root/docs/sources.md" |
    sed 's/.*\[//; s/\]$//' >"$keys"
  LC_ALL=C sort "$keys" | uniq -d | while IFS= read -r k; do
    echo "docs/sources.md: key [$k] is defined twice" >>"$out"
  done
  for p in "$root"/docs/*.md "$root"/docs/*/*.md; do
    [ -f "$p" ] || continue
    rel=${p#"$root/"}
    grep -noE '\[[A-Z][A-Z0-9-]+\]' "$p" | while IFS=: read -r line key; do
      k=${key#[}; k=${k%]}
      grep -qxF "$k" "$keys" ||
        echo "$rel:$line: source key [$k] is not defined in docs/sources.md" >>"$out"
    done
  done

  # 5. Repository paths that docs/ names in backticks must exist (code
  # moves; the pages must follow it).
  for p in "$root"/docs/*.md; do
    rel=${p#"$root/"}
    grep -noE '`(corpus|harness|models|tests|cmake|scripts|include/closeonce)/[A-Za-z0-9_./-]*`' "$p" |
      while IFS=: read -r line path; do
        path=${path#\`}; path=${path%\`}
        [ -e "$root/$path" ] ||
          echo "$rel:$line: names $path, which is not in the repository" >>"$out"
      done
  done

  status=0
  if [ -s "$out" ]; then
    cat "$out"
    echo "check-citations: $(wc -l <"$out" | tr -d ' ') problem(s) in $root" >&2
    status=1
  else
    echo "check-citations: ok: $(wc -l <"$list" | tr -d ' ') files, $(ls "$root"/docs/*.md | wc -l | tr -d ' ') pages, $(wc -l <"$keys" | tr -d ' ') source keys"
  fi
  rm -rf "$tmp"
  return $status
}

# Each broken tree must fail with its message; the clean one must pass.
self_test() {
  me=$1
  t=$(mktemp -d) || die "cannot make a temporary directory"
  trap 'rm -rf "$t"' EXIT INT TERM
  fails=0
  make_tree() {
    rm -rf "$t/tree" && mkdir -p "$t/tree/docs" "$t/tree/src"
    printf '# S\n\n## <a id="k"></a>[KEY-A] a source\n' >"$t/tree/docs/sources.md"
    printf '# P\n\n## <a id="dup2"></a>dup2\n\nSee [KEY-A] and [x](sources.md#k).\n' \
      >"$t/tree/docs/posix.md"
    printf '/* dup2 keeps cloexec (docs/posix.md#dup2) */\n' >"$t/tree/src/a.c"
  }
  expect() { # name, expected status, grep pattern for the output
    got=0
    sh "$me" "$t/tree" >"$t/out" 2>&1 || got=$?
    if [ "$got" -ne "$2" ] || ! grep -q "$3" "$t/out"; then
      echo "self-test $1: FAILED (status $got, want $2, output:)"
      sed 's/^/  /' "$t/out"
      fails=$((fails + 1))
    else
      echo "self-test $1: ok ($(head -1 "$t/out"))"
    fi
  }
  make_tree
  expect clean 0 'check-citations: ok'
  make_tree; echo '/* (docs/posix.md#dup9) */' >>"$t/tree/src/a.c"
  expect missing-section 1 "src/a.c:2: docs/posix.md#dup9: docs/posix.md has no section id 'dup9'"
  make_tree; echo '/* (docs/nope.md#x) */' >>"$t/tree/src/a.c"
  expect missing-page 1 'src/a.c:2: docs/nope.md#x: no page docs/nope.md'
  make_tree; printf '/* dup2 (S\302\2474) */\n' >>"$t/tree/src/a.c"
  expect old-citation 1 'src/a.c:2: cites outside the repository'
  make_tree; echo '# see ../shared/SEMANTICS.md' >>"$t/tree/src/a.c"
  expect shared-path 1 'src/a.c:2: cites outside the repository'
  make_tree; echo '/* DESIGN.md */' >>"$t/tree/src/a.c"
  expect design 1 'src/a.c:2: cites outside the repository'
  make_tree; echo '/* (WP test_DuplicateHandle) */' >>"$t/tree/src/a.c"
  expect abbreviation 1 'src/a.c:2: undefined source abbreviation'
  make_tree; echo 'Also [KEY-B].' >>"$t/tree/docs/posix.md"
  expect undefined-key 1 'docs/posix.md:6: source key \[KEY-B\] is not defined'
  make_tree; echo '## <a id="dup2"></a>again' >>"$t/tree/docs/posix.md"
  expect duplicate-id 1 "docs/posix.md: section id 'dup2' is defined twice"
  make_tree; echo 'See [there](#nowhere).' >>"$t/tree/docs/posix.md"
  expect bad-link 1 "docs/posix.md:6: link #nowhere: no section id 'nowhere'"
  make_tree; echo 'Read `harness/gone.c`.' >>"$t/tree/docs/posix.md"
  expect missing-path 1 'docs/posix.md:6: names harness/gone.c, which is not in the repository'
  if [ "$fails" -ne 0 ]; then
    echo "self-test: $fails case(s) failed"
    return 1
  fi
  echo "self-test: all cases behave"
}

case ${1:-} in
--self-test) self_test "$0" ;;
-*) die "unknown option '$1' (usage: check-citations.sh [ROOT] | --self-test)" ;;
*)
  root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
  [ -d "$root" ] || die "$root: not a directory"
  check "$(cd "$root" && pwd)"
  ;;
esac
