# Sourced by every fake: append "tool<TAB>arg<TAB>arg…" to $FAKE_LOG.
fake_record() {
  name=$(basename "$0")
  { printf '%s' "$name"; for a in "$@"; do printf '\t%s' "$a"; done; printf '\n'; } >> "${FAKE_LOG:?FAKE_LOG not set}"
}
# fake_fail_once NAME: true (and consumes one) while $FAKE_STATE/fail.NAME holds a count > 0.
fake_fail_once() {
  _ff="$FAKE_STATE/fail.$1"
  [ -f "$_ff" ] || return 1
  _fn=$(cat "$_ff"); [ "$_fn" -gt 0 ] 2>/dev/null || return 1
  echo $((_fn - 1)) > "$_ff"; return 0
}
