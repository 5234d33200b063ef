#!/usr/bin/env bash
# Runs `cnnc check CASE` and requires a non-zero exit and, for every
# `# error: LINE:COL: TEXT` line at the top of CASE, a diagnostic
# `CASE:LINE:COL: error: ...TEXT...` in the output. `# also: TEXT` lines must
# appear anywhere in the output (notes, help). Cases whose content cannot
# hold comments (binary data) keep these lines in CASE.expect instead.
set -u
cnnc=$1 case=$2
expect=$case
[ -f "$case.expect" ] && expect=$case.expect
out=$("$cnnc" check "$case" 2>&1)
status=$?
if [ $status -eq 0 ]; then
  echo "FAIL: cnnc check $case exited 0; output:"; echo "$out"; exit 1
fi
if [ $status -ge 128 ]; then
  echo "FAIL: cnnc check $case crashed (status $status); output:"; echo "$out"; exit 1
fi
checked=0
while IFS= read -r line; do
  case "$line" in
    "# error: "*)
      spec=${line#"# error: "}
      loc=${spec%%: *}
      text=${spec#*: }
      if ! grep -F -- "$case:$loc: error: " <<<"$out" | grep -qF -- "$text"; then
        echo "FAIL: expected '$case:$loc: error: ...$text...' in:"; echo "$out"; exit 1
      fi
      checked=$((checked + 1)) ;;
    "# also: "*)
      text=${line#"# also: "}
      if ! grep -qF -- "$text" <<<"$out"; then
        echo "FAIL: expected '$text' in:"; echo "$out"; exit 1
      fi
      checked=$((checked + 1)) ;;
  esac
done < <(head -c 4096 "$expect" | tr -d '\000')
if [ $checked -eq 0 ]; then
  echo "FAIL: $expect has no '# error:' line"; exit 1
fi
echo "ok: $checked expectation(s) met"
