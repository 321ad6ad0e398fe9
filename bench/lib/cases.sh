# shellcheck shell=bash
# shellcheck disable=SC2034,SC2153  # the B_* and run-wide variables are read in lib/common.sh and bench/run
# The case registry, the data sets, and one function per built case.
#
# To add a case: write case_NAME (set the B_* variables described in lib/common.sh and call run_pair,
# once per variant), then change its register_case line from "-" to the function. See bench/README.md.

declare -a CASE_NAMES=()
declare -A CASE_FN=() CASE_REF=()

# register_case NAME FUNCTION|- REFERENCE: FUNCTION "-" = the format is not built yet (prints a "not built" row).
register_case() { CASE_NAMES+=("$1"); CASE_FN[$1]=$2; CASE_REF[$1]=$3; }

register_case ceiling        case_ceiling     'cat F | cat; pv -q F | cat; dd if=/dev/zero | cat; dd conv=fdatasync'
register_case raw-export     case_raw_export  'header + dd if=F bs=4k | cat'
register_case raw-import     case_raw_import  'dd of=F conv=sparse,fdatasync bs=64k'
register_case qcow2-export   -                'header + cat F.qcow2 | cat'
register_case qcow2-import   -                'qemu-img convert -O raw F.qcow2 F.raw'
register_case vmdk-export    -                'header + cat F.vmdk | cat'
register_case tar-export     -                'header + tar -cf - -C DIR .'
register_case tar-import     -                'tar -xf - -C DIR'
register_case migrate-local  -                'pvesm export | pvesm import'
register_case migrate-ssh    -                'pvesm export | ssh | pvesm import'

# ---------------------------------------------------------------------------------------------
# Data sets: made once per run under $WORK/data (kept and reused with --keep when the size matches).
# The content is deterministic (AES-CTR keystream of a fixed key), incompressible, and the same on every run.
# ---------------------------------------------------------------------------------------------

# The raw volume that volport exports: bench-src:100/vm-100-disk-0.raw.
src_volume() { echo "$WORK/src/images/100/vm-100-disk-0.raw"; }
dst_volume() { echo "$WORK/dst-$1/images/100/vm-100-disk-0.raw"; }   # $1 = volport|reference

write_config() {
  CONFIG=$WORK/storage.cfg
  mkdir -p "$WORK/src/images/100" "$WORK/dst-volport/images/100" "$WORK/dst-reference/images/100" "$WORK/data"
  printf 'dir: bench-src\n\tpath %s\n\tcontent images,rootdir\n\ndir: bench-dst\n\tpath %s\n\tcontent images,rootdir\n' \
    "$WORK/src" "$WORK/dst-volport" >"$CONFIG"
}

# have FILE: the data file exists with its recorded size and SHA-256 (FILE.sha256 is written last).
have() { [[ -s $1 && -s $1.sha256 && $(stat -c %s "$1") == "$(awk '{print $2}' "$1.sha256")" ]]; }
record() { printf '%s %s\n' "$(sha_of "$1")" "$(stat -c %s "$1")" >"$1.sha256"; }
sha_recorded() { awk '{print $1}' "$1.sha256"; }

# need_full: a fully written raw volume of $SIZE bytes, and the raw+size stream of it.
need_full() {
  local raw; raw=$(src_volume)
  if ! have "$raw"; then
    log "data: writing $(human "$SIZE") of incompressible data to $raw"
    # openssl dies of SIGPIPE when head has enough; that is the expected end, not an error.
    { openssl enc -aes-128-ctr -nosalt -pass pass:volport-bench -pbkdf2 -iter 1 </dev/zero 2>/dev/null || true; } \
      | head -c "$SIZE" >"$raw"
    [[ $(stat -c %s "$raw") == "$SIZE" ]] || die "could not write $SIZE bytes to $raw"
    record "$raw"; DATA_SYNC=1
  fi
  STREAM_FULL=$WORK/data/full.stream
  if ! have "$STREAM_FULL"; then
    log "data: writing the raw+size stream $STREAM_FULL"
    { size_header "$SIZE"; cat "$raw"; } >"$STREAM_FULL"
    record "$STREAM_FULL"; DATA_SYNC=1
  fi
}

# need_sparse: a raw+size stream of $SIZE bytes that is 90 % zeros: every tenth 64 KiB block is data
# (taken from the full volume), the nine after it are zero. $SPARSE_SHA is the SHA-256 of its payload.
need_sparse() {
  need_full
  STREAM_SPARSE=$WORK/data/sparse90.stream
  if ! have "$STREAM_SPARSE"; then
    log "data: writing the 90 %-zero raw+size stream $STREAM_SPARSE"
    { size_header "$SIZE"
      perl -e 'open(my $in, "<:raw", $ARGV[0]) or die "$ARGV[0]: $!"; binmode STDOUT;
               my ($bs, $i) = (65536, 0); my $zero = "\0" x $bs;
               while ((my $n = read($in, my $buf, $bs)) > 0) { print(($i++ % 10 == 0) ? $buf : substr($zero, 0, $n)) }' \
        "$(src_volume)"
    } >"$STREAM_SPARSE"
    tail -c +9 "$STREAM_SPARSE" | sha256sum | awk '{print $1}' >"$STREAM_SPARSE.payload.sha256"
    record "$STREAM_SPARSE"; DATA_SYNC=1
  fi
  SPARSE_SHA=$(cat "$STREAM_SPARSE.payload.sha256")
}

# settle: write back what the data generation left dirty, so it does not slow the first timed runs.
settle() { if [[ -n ${DATA_SYNC:-} ]]; then log "data: sync"; sync; DATA_SYNC=; fi; }

volport_cmd() { printf '%q --config %q --quiet' "$VOLPORT" "$CONFIG"; }

# ---------------------------------------------------------------------------------------------
# ceiling: the machine's own limits, measured in the same run.
# ---------------------------------------------------------------------------------------------
case_ceiling() {
  need_full; settle
  local raw; raw=$(src_volume)
  local mibs=$((SIZE / MIB)) out=$WORK/ceiling-write.out
  run_ceilings \
    cat-pipe  pipe   'cat F | cat'                  "$SIZE" "cat $raw >/dev/null" "{RSS} cat $raw | cat >/dev/null" \
    pv-splice pipe   'pv -q F | cat'                "$SIZE" "cat $raw >/dev/null" "{RSS} pv -q $raw | cat >/dev/null" \
    zero-pipe memory 'dd if=/dev/zero bs=1M | cat'  "$SIZE" ":" \
      "{RSS} dd if=/dev/zero bs=1M count=$mibs status=none | cat >/dev/null" \
    disk-write write 'dd of=F bs=1M conv=fdatasync' "$SIZE" "rm -f $out; sync" \
      "{RSS} dd if=/dev/zero of=$out bs=1M count=$mibs conv=fdatasync status=none"
  rm -f "$out"
}

# ---------------------------------------------------------------------------------------------
# raw-export: the volume as a raw+size stream into a pipe.
# Reference (PVE::Storage::Plugin::volume_export): the size header, then dd if=F bs=4k.
# ---------------------------------------------------------------------------------------------
declare -A EXPORT_PRODUCER=()
verify_export() {
  local side=$1 got want
  want=$(sha_recorded "$STREAM_FULL")
  got=$(bash -o pipefail -c "${EXPORT_PRODUCER[$side]//\{RSS\} /} | sha256sum" 2>&1 | awk '{print $1}') || true
  if [[ $got != "$want" ]]; then echo "stream sha256 $got, expected $want"; return 1; fi
  echo "sha256_ok=1"
}

case_raw_export() {
  need_full; settle
  local raw; raw=$(src_volume)
  EXPORT_PRODUCER[volport]="{RSS} $(volport_cmd) export bench-src:100/vm-100-disk-0.raw raw+size -"
  EXPORT_PRODUCER[reference]="{ perl -e 'print pack(\"Q<\", shift)' $SIZE; {RSS} dd if=$raw bs=4k status=none; }"
  B_CASE=raw-export B_VARIANT="$(human "$SIZE")-full" B_CEILING=pipe
  B_REF_LABEL='header + dd if=F bs=4k | cat'
  B_BYTES=$((SIZE + 8))
  B_PREP="cat $raw >/dev/null" B_PREP_VOLPORT="" B_PREP_REFERENCE=""
  B_VOLPORT="${EXPORT_PRODUCER[volport]} | cat >/dev/null"
  B_REFERENCE="${EXPORT_PRODUCER[reference]} | cat >/dev/null"
  B_VERIFY=verify_export
  run_pair
}

# ---------------------------------------------------------------------------------------------
# raw-import: a raw+size stream from a pipe into a new sparse raw volume, flushed before success.
# Reference (PVE::Storage::Plugin::volume_import): read the 8-byte header, then dd of=F conv=sparse bs=64k;
# conv=fdatasync is added because volport flushes before it reports success.
# Both sides read the same stream file through `cat STREAM |`, re-read into the page cache before each run.
# ---------------------------------------------------------------------------------------------
IMPORT_WANT_SHA=""
verify_import() {
  local side=$1 f got size
  f=$(dst_volume "$side")
  [[ -f $f ]] || { echo "no output file $f"; return 1; }
  size=$(stat -c %s "$f")
  [[ $size == "$SIZE" ]] || { echo "output is $size bytes, expected $SIZE"; return 1; }
  got=$(sha_of "$f")
  [[ $got == "$IMPORT_WANT_SHA" ]] || { echo "output sha256 $got, expected $IMPORT_WANT_SHA"; return 1; }
  if [[ $side == volport ]] && ! grep -q "successfully imported 'bench-dst:100/vm-100-disk-0.raw'" "$WORK/volport.stdout"; then
    echo "volport did not print: successfully imported 'bench-dst:100/vm-100-disk-0.raw'"; return 1
  fi
  echo "sha256_ok=1 allocated_bytes=$(allocated_bytes "$f")"
}

import_variant() {  # import_variant VARIANT STREAM PAYLOAD_SHA
  local variant=$1 stream=$2 vout rout
  vout=$(dst_volume volport) rout=$(dst_volume reference)
  IMPORT_WANT_SHA=$3
  B_CASE=raw-import B_VARIANT="$(human "$SIZE")-$variant"
  B_CEILING=$([[ $variant == full ]] && echo write || echo pipe)
  B_REF_LABEL='dd bs=8 count=1 of=/dev/null; dd of=F conv=sparse,fdatasync bs=64k'
  B_BYTES=$((SIZE + 8))
  B_PREP=""
  B_PREP_VOLPORT="rm -f $vout; sync; cat $stream >/dev/null"
  B_PREP_REFERENCE="rm -f $rout; sync; cat $stream >/dev/null"
  B_VOLPORT="cat $stream | {RSS} $(volport_cmd) import bench-dst:100/vm-100-disk-0.raw raw+size -"
  B_REFERENCE="cat $stream | { dd bs=8 count=1 iflag=fullblock of=/dev/null status=none && {RSS} dd of=$rout conv=sparse,fdatasync bs=64k status=none; }"
  B_VERIFY=verify_import
  run_pair
  rm -f "$vout" "$rout"
}

case_raw_import() {
  need_full; need_sparse; settle
  import_variant full "$STREAM_FULL" "$(sha_recorded "$(src_volume)")"
  import_variant 90pct-zero "$STREAM_SPARSE" "$SPARSE_SHA"
}
