# shellcheck shell=bash
# shellcheck disable=SC2153  # WORK, RUNS, RESULTS, FAILURES are set by bench/run
# Helpers shared by bench/run and the cases: logging, sizes, the alternating runner, statistics.
# Everything here is plain bash + awk + coreutils; no test framework, no timing assertions.

log()  { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die()  { printf 'bench: %s\n' "$*" >&2; exit 2; }

GIB=$((1024 * 1024 * 1024))
MIB=$((1024 * 1024))

# human SIZE: "4GiB", "512MiB" for the variant names.
human() {
  local n=$1
  if (( n % GIB == 0 )); then echo "$((n / GIB))GiB"; else echo "$((n / MIB))MiB"; fi
}

# now_ns: monotonic-enough wall clock in nanoseconds.
now_ns() { date +%s%N; }

# sha_of FILE: SHA-256 of a file; sha_stdin: of standard input. openssl uses the CPU's SHA extensions
# (about 2.5x faster than sha256sum here), which matters with several GiB to check per run.
sha_of() { openssl dgst -sha256 -r "$1" | awk '{print $1}'; }
sha_stdin() { openssl dgst -sha256 -r | awk '{print $1}'; }

# tree_digest DIR: one SHA-256 over a dump of the tree (per entry: path, type, mode, numeric owner and group,
# size (not for directories: it depends on the file system), mtime, link count, symlink target) and the
# SHA-256 of every regular file's content, in C-locale order. Two trees with the same digest match in all that.
tree_digest() {
  ( cd "$1" || exit 1
    find . -printf '%P\t%y\t%m\t%U\t%G\t%s\t%T@\t%n\t%l\n' | awk -F'\t' -v OFS='\t' '$2 == "d" { $6 = "-" } { print }' \
      | LC_ALL=C sort
    find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r openssl dgst -sha256 -r
  ) | sha_stdin
}

# allocated_bytes FILE: blocks actually allocated on disk (sparse files are smaller than their size).
allocated_bytes() { stat -c '%b %B' "$1" | awk '{ printf "%.0f", $1 * $2 }'; }  # %d is 32-bit in mawk

# size_header N: the 8-byte little-endian u64 that starts every *+size stream.
size_header() { perl -e 'print pack("Q<", shift)' "$1"; }

# The result of every row is appended to $RESULTS (TSV) and rendered at the end by lib/report.sh.
# Columns (tab-separated; "-" = not applicable):
#   case variant status reference_label volport_times reference_times volport_rss_kib reference_rss_kib bytes ceiling extras
# where *_times are comma-separated seconds of the counted runs, status is ok|not built|failed|ceiling,
# ceiling is the kind of limit the row is compared with (pipe|write) or, on a ceiling row, the kind it measures,
# and extras are space-separated key=value pairs without spaces (e.g. volport_allocated_bytes=123).
emit_row() {
  local IFS=$'\t'
  printf '%s\n' "$*" >>"$RESULTS"
}

# ---------------------------------------------------------------------------------------------
# The alternating runner.
#
# A case describes one comparison by setting these variables and calling run_pair:
#   B_CASE, B_VARIANT        names for the table (e.g. raw-export, 4GiB-full)
#   B_REF_LABEL              the reference command as shown in the table
#   B_BYTES                  bytes moved through the pipe (stream size)
#   B_CEILING                which ceiling the volport figure is compared with (pipe|write|-)
#   B_PREP                   run (untimed) before EVERY run of either side, e.g. "cat F >/dev/null; sync";
#   B_PREP_VOLPORT, B_PREP_REFERENCE  optional, replace B_PREP for one side (e.g. to remove that side's output)
#   B_VOLPORT, B_REFERENCE   the two timed commands (bash -c strings, pipefail is on). The token {RSS}
#                            marks the process whose peak RSS is reported; it becomes /usr/bin/time -f %M -o FILE.
#   B_VERIFY                 name of a function called as "$B_VERIFY volport|reference" after the timed runs;
#                            it checks the output (SHA-256, size) and prints extra figures as key=value pairs
#                            (e.g. allocated_bytes=123, reported as volport_allocated_bytes); on a mismatch it
#                            prints the reason and returns non-zero, which marks the row failed.
# The sides run A B A B …: one warm-up pair (not counted) and then $RUNS counted pairs.
# ---------------------------------------------------------------------------------------------

# run_once SIDE PREP CMD RSSFILE: runs PREP untimed, then CMD timed; prints elapsed seconds; returns CMD's status.
run_once() {
  local side=$1 prep=$2 cmd=$3 rssfile=$4 t0 t1 rc=0
  cmd=${cmd//\{RSS\}/\/usr\/bin\/time -f %M -o $rssfile}
  bash -c "$prep" >>"$WORK/prep.log" 2>&1 || { log "prep command failed for $B_CASE/$B_VARIANT: $prep"; return 99; }
  t0=$(now_ns)
  bash -o pipefail -c "$cmd" >>"$WORK/$side.stdout" 2>"$WORK/$side.stderr" || rc=$?
  t1=$(now_ns)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) / 1e9 }'
  return "$rc"
}

# max_rss FILES…: largest %M (KiB) among the /usr/bin/time outputs (last line of each; time may prepend
# "Command exited with non-zero status").
max_rss() {
  local f m=0 v
  for f in "$@"; do
    [[ -s $f ]] || continue
    v=$(tail -n 1 "$f")
    [[ $v =~ ^[0-9]+$ ]] && (( v > m )) && m=$v
  done
  echo "$m"
}

# side_failed SIDE: explain a failed command on stderr (first lines of its stderr).
side_failed() {
  local side=$1
  log "FAILED: $B_CASE/$B_VARIANT $side side exited non-zero; its stderr:"
  sed -n '1,15p' "$WORK/$side.stderr" | sed 's/^/    /' >&2
  FAILURES=$((FAILURES + 1))
}

run_pair() {
  local i side t status=ok
  local -a vt=() rt=()
  local -A cmd=([volport]=$B_VOLPORT [reference]=$B_REFERENCE) bad=()
  local -A prep=([volport]=${B_PREP_VOLPORT:-$B_PREP} [reference]=${B_PREP_REFERENCE:-$B_PREP})
  rm -f "$WORK"/rss.* "$WORK"/volport.std* "$WORK"/reference.std*
  log "$B_CASE/$B_VARIANT: 1 warm-up + $RUNS counted runs per side, alternating"
  for (( i = 0; i <= RUNS; i++ )); do
    for side in volport reference; do
      [[ -n ${bad[$side]:-} ]] && continue
      if t=$(run_once "$side" "${prep[$side]}" "${cmd[$side]}" "$WORK/rss.$side.$i"); then
        (( i > 0 )) || continue              # run 0 is the warm-up
        if [[ $side == volport ]]; then vt+=("$t"); else rt+=("$t"); fi
      else
        bad[$side]=1
        side_failed "$side"
      fi
    done
    # Both sides failed: nothing left to measure.
    [[ -n ${bad[volport]:-} && -n ${bad[reference]:-} ]] && break
  done
  local extras="" out kv
  for side in volport reference; do
    [[ -n ${bad[$side]:-} ]] && continue
    if out=$("$B_VERIFY" "$side"); then
      for kv in $out; do extras+="${extras:+ }${side}_$kv"; done
    else
      bad[$side]=1
      log "FAILED: $B_CASE/$B_VARIANT $side side produced wrong output: $out"
      FAILURES=$((FAILURES + 1))
    fi
  done
  local vjoin rjoin
  vjoin=$(IFS=,; echo "${vt[*]:-}"); rjoin=$(IFS=,; echo "${rt[*]:-}")
  for side in volport reference; do
    [[ -n ${bad[$side]:-} ]] || continue
    status=failed; extras+="${extras:+ }failed_side=$side"
    if [[ $side == volport ]]; then vjoin=-; else rjoin=-; fi
  done
  emit_row "$B_CASE" "$B_VARIANT" "$status" "$B_REF_LABEL" "${vjoin:--}" "${rjoin:--}" \
    "$(max_rss "$WORK"/rss.volport.*)" "$(max_rss "$WORK"/rss.reference.*)" "$B_BYTES" "$B_CEILING" "${extras:--}"
}

# run_ceilings: the machine's own limits. Several ceiling commands are run round-robin in the same way
# as run_pair (warm-up + $RUNS counted runs each, prep before each run); each becomes a row of status
# "ceiling" whose figure sits in the reference columns.
# Arguments come in groups of six: variant, kind (pipe|write|memory), label (the command shown), bytes, prep, command.
run_ceilings() {
  local -a names=() kinds=() labels=() bytes=() preps=() cmds=()
  while (( $# )); do
    names+=("$1"); kinds+=("$2"); labels+=("$3"); bytes+=("$4"); preps+=("$5"); cmds+=("$6"); shift 6
  done
  local -A times=() failed=()
  local i k t
  rm -f "$WORK"/rss.*
  log "ceiling: ${names[*]}: 1 warm-up + $RUNS counted runs each, round-robin"
  for (( i = 0; i <= RUNS; i++ )); do
    for k in "${!names[@]}"; do
      [[ -n ${failed[$k]:-} ]] && continue
      B_CASE=ceiling B_VARIANT=${names[$k]}
      if t=$(run_once "ceiling$k" "${preps[$k]}" "${cmds[$k]}" "$WORK/rss.ceiling$k.$i"); then
        (( i > 0 )) && times[$k]+="${times[$k]:+,}$t"
      else
        failed[$k]=1; side_failed "ceiling$k"
      fi
    done
  done
  for k in "${!names[@]}"; do
    if [[ -n ${failed[$k]:-} ]]; then
      emit_row ceiling "${names[$k]}" failed "${labels[$k]}" - - 0 0 "${bytes[$k]}" "${kinds[$k]}" failed_side=reference
    else
      emit_row ceiling "${names[$k]}" ceiling "${labels[$k]}" - "${times[$k]}" 0 \
        "$(max_rss "$WORK"/rss.ceiling"$k".*)" "${bytes[$k]}" "${kinds[$k]}" -
    fi
  done
}
