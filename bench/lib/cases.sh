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

register_case ceiling        case_ceiling     'pv -q HOLE | cat; cat F | cat; pv -q F | cat; dd if=/dev/zero | cat; dd conv=fdatasync'
register_case raw-export     case_raw_export  'header + dd if=F bs=4k | cat'
register_case raw-import     case_raw_import  'dd of=F conv=sparse,fdatasync bs=64k'
register_case qcow2-export   case_qcow2_export 'qemu-img convert -f qcow2 -O raw F.qcow2 TMPFS/F.raw'
register_case qcow2-import   case_qcow2_import 'qemu-img convert -f raw -O qcow2 F.raw F.qcow2 && sync F.qcow2'
register_case vmdk-export    case_vmdk_export  'qemu-img convert -f vmdk -O raw F.vmdk TMPFS/F.raw'
register_case tar-export     case_tar_export   'tar -c --sparse --acls --xattrs … -f - -C DIR . | cat'
register_case tar-import     case_tar_import   'head -c 8; tar -x --sparse --acls --xattrs … -f - -C DIR; sync -f DIR'
register_case sparse-export  case_sparse_export 'qemu-img convert -f qcow2 -O raw F.qcow2 TMPFS/F.raw'
register_case checksum       case_checksum     'sha256sum F.raw'
register_case zfs-send       case_zfs_send     'zfs send -Rp [-I S1] -- SRC@S | zfs recv -F -- DST'
register_case migrate-local  case_migrate_local 'pvesm export | pvesm import'
register_case migrate-ssh    case_migrate_ssh 'pvesm export | ssh | pvesm import'

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
  # tar-import: a fresh loop-mounted ext4 per run is mounted here (see fresh_fs).
  printf '\ndir: bench-tar\n\tpath %s\n\tcontent images,rootdir\n' "$WORK/tarfs-volport" >>"$CONFIG"
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
    tail -c +9 "$STREAM_SPARSE" | sha_stdin >"$STREAM_SPARSE.payload.sha256"
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
  need_full; need_tmpfs; settle
  local raw; raw=$(src_volume)
  local mibs=$((SIZE / MIB)) out=$WORK/ceiling-write.out hole=$TMPFS/ceiling-hole
  # zero-splice: a hole on tmpfs spliced into the pipe costs the writer nothing (the kernel hands out references
  # to the zero page), so this is what the reading `cat` alone needs for $SIZE bytes: the floor of any raw+size
  # export, however sparse the image (docs/benchmarks.md, "qcow2 10 % allocated").
  truncate -s "$SIZE" "$hole"
  run_ceilings \
    zero-splice zeros 'pv -q HOLE | cat'          "$SIZE" ":" "{RSS} pv -q $hole | cat >/dev/null" \
    cat-pipe  pipe   'cat F | cat'                  "$SIZE" "cat $raw >/dev/null" "{RSS} cat $raw | cat >/dev/null" \
    pv-splice pipe   'pv -q F | cat'                "$SIZE" "cat $raw >/dev/null" "{RSS} pv -q $raw | cat >/dev/null" \
    zero-pipe memory 'dd if=/dev/zero bs=1M | cat'  "$SIZE" ":" \
      "{RSS} dd if=/dev/zero bs=1M count=$mibs status=none | cat >/dev/null" \
    disk-write write 'dd of=F bs=1M conv=fdatasync' "$SIZE" "rm -f $out; sync" \
      "{RSS} dd if=/dev/zero of=$out bs=1M count=$mibs conv=fdatasync status=none"
  rm -f "$out" "$hole"
}

# ---------------------------------------------------------------------------------------------
# raw-export: the volume as a raw+size stream into a pipe.
# Reference (PVE::Storage::Plugin::volume_export): the size header, then dd if=F bs=4k.
# ---------------------------------------------------------------------------------------------
declare -A EXPORT_PRODUCER=()
verify_export() {
  local side=$1 got want
  want=$(sha_recorded "$STREAM_FULL")
  got=$(bash -o pipefail -c "${EXPORT_PRODUCER[$side]//\{RSS\} /} | openssl dgst -sha256 -r" 2>&1 | awk '{print $1}') || true
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

# ---------------------------------------------------------------------------------------------
# Scratch mounts: a tmpfs for the qemu-img exports' output, loop-mounted ext4 file systems for tar-import.
# bench/run unmounts everything under $WORK on exit (unmount_all), also after a failure or an interrupt.
# ---------------------------------------------------------------------------------------------
TMPFS=""
need_tmpfs() {
  TMPFS=$WORK/tmpfs
  mkdir -p "$TMPFS"
  mountpoint -q "$TMPFS" || mount -t tmpfs -o mode=0755 bench-tmpfs "$TMPFS" || die "cannot mount a tmpfs on $TMPFS (run as root)"
}

unmount_all() {  # every mount under $WORK, deepest first; a busy one is detached lazily
  local m
  [[ -n ${WORK:-} && -d $WORK ]] || return 0
  zfs_cleanup
  while read -r m; do
    [[ -n $m ]] || continue
    umount "$m" 2>/dev/null || umount -l "$m" || log "WARNING: could not unmount $m"
  done < <(findmnt -rn -o TARGET | awk -v w="$WORK/" 'index($0, w) == 1' | sort -r)
}

# fresh_fs_cmd SIDE: the (prep) command that replaces $WORK/tarfs-SIDE with a new, empty ext4 of
# $TREE_FS_BYTES in a sparse image file, loop-mounted. Lazy inode-table and journal init with noinit_itable:
# no background zeroing thread runs during the timed import.
fresh_fs_cmd() {
  local mp=$WORK/tarfs-$1 img=$WORK/tarfs-$1.img
  printf '%s' "if mountpoint -q $mp; then umount $mp; fi; rm -f $img; truncate -s $TREE_FS_BYTES $img"
  printf '%s' " && mkfs.ext4 -q -F -E lazy_itable_init=1,lazy_journal_init=1,nodiscard $img"
  printf '%s' " && mkdir -p $mp && mount -o loop,noinit_itable $img $mp && mkdir -p $mp/images/101"
}

# ---------------------------------------------------------------------------------------------
# Image data sets (qcow2-export, vmdk-export, qcow2-import): $IMG_SIZE bytes, made with qemu-img from the
# first $IMG_SIZE bytes of the full raw volume.
#   data/img-full.raw      fully written
#   data/img-10pct.raw     every tenth 64 KiB block data (the same bytes at the same offsets), the rest holes
#   data/img-90zero.raw    the same bytes with the zeros written (no holes), and data/img-90zero.stream (raw+size)
#   src/images/100/vm-100-disk-1.qcow2  from img-full.raw      vm-100-disk-2.qcow2  from img-10pct.raw
#   src/images/100/vm-100-disk-3.vmdk   monolithicSparse       vm-100-disk-4.vmdk   streamOptimized (both full)
# ---------------------------------------------------------------------------------------------
img_volume() { echo "$WORK/src/images/100/$1"; }

need_images() {
  need_full
  local raw; raw=$(src_volume)
  IMG_FULL=$WORK/data/img-full.raw IMG_10PCT=$WORK/data/img-10pct.raw
  IMG_90ZERO=$WORK/data/img-90zero.raw STREAM_90ZERO=$WORK/data/img-90zero.stream
  if ! have "$IMG_FULL"; then
    log "data: the first $(human "$IMG_SIZE") of the volume as $IMG_FULL"
    head -c "$IMG_SIZE" "$raw" >"$IMG_FULL"; record "$IMG_FULL"; DATA_SYNC=1
  fi
  if ! have "$IMG_10PCT"; then
    log "data: $IMG_10PCT (every tenth 64 KiB block data, the rest holes)"
    rm -f "$IMG_10PCT"
    perl -e 'use Fcntl "SEEK_SET"; my ($src, $dst, $size) = @ARGV; my $bs = 65536;
             open(my $in, "<:raw", $src) or die "$src: $!"; open(my $out, ">:raw", $dst) or die "$dst: $!";
             for (my $off = 0; $off < $size; $off += 10 * $bs) {
               seek($in, $off, SEEK_SET) or die; my $n = read($in, my $buf, $bs); die "read: $!" unless $n;
               seek($out, $off, SEEK_SET) or die; print $out $buf or die }
             truncate($out, $size) or die; close($out) or die "$dst: $!"' "$IMG_FULL" "$IMG_10PCT" "$IMG_SIZE"
    record "$IMG_10PCT"; DATA_SYNC=1
  fi
  if ! have "$IMG_90ZERO"; then
    log "data: $IMG_90ZERO (the same bytes, zeros written) and its raw+size stream"
    cp --sparse=never "$IMG_10PCT" "$IMG_90ZERO"; record "$IMG_90ZERO"
    { size_header "$IMG_SIZE"; cat "$IMG_90ZERO"; } >"$STREAM_90ZERO"; DATA_SYNC=1
  fi
  local vol src opts
  for vol in vm-100-disk-1.qcow2:"$IMG_FULL": vm-100-disk-2.qcow2:"$IMG_10PCT": vm-100-disk-3.vmdk:"$IMG_FULL": \
             vm-100-disk-4.vmdk:"$IMG_FULL":subformat=streamOptimized; do
    IFS=: read -r vol src opts <<<"$vol"
    have "$(img_volume "$vol")" && continue
    log "data: qemu-img convert -O ${vol##*.} ${opts:+-o $opts }$(basename "$src") $vol"
    rm -f "$(img_volume "$vol")"
    qemu-img convert -q -f raw -O "${vol##*.}" ${opts:+-o "$opts"} "$src" "$(img_volume "$vol")" \
      || die "qemu-img convert to $vol failed"
    record "$(img_volume "$vol")"; DATA_SYNC=1
  done
}

# ---------------------------------------------------------------------------------------------
# qcow2-export, vmdk-export: an image volume as raw+size into a pipe (volport converts natively) against
# qemu-img convert to a raw file on a tmpfs (the reference's own pipe path, qemu-img convert to /dev/stdout,
# fails on a pipe). Correctness: volport's header is the virtual size and the SHA-256 of its payload, and
# the SHA-256 of qemu-img's output, both equal that of the raw data the image was made from.
# ---------------------------------------------------------------------------------------------
IMGX_WANT="" IMGX_VOL="" IMGX_OUT=""
verify_image_export() {
  local side=$1 hdr got
  if [[ $side == volport ]]; then
    read -r hdr got < <(bash -o pipefail -c "$(volport_cmd) export bench-src:100/$IMGX_VOL raw+size -" 2>/dev/null \
      | { h=$(head -c 8 | od -An -tu8 | tr -d ' '); s=$(sha_stdin); echo "${h:-none} $s"; })
    [[ $hdr == "$IMG_SIZE" ]] || { echo "size header $hdr, expected $IMG_SIZE"; return 1; }
  else
    [[ -f $IMGX_OUT && $(stat -c %s "$IMGX_OUT") == "$IMG_SIZE" ]] || { echo "$IMGX_OUT missing or not $IMG_SIZE bytes"; return 1; }
    got=$(sha_of "$IMGX_OUT")
  fi
  [[ $got == "$IMGX_WANT" ]] || { echo "payload sha256 $got, expected $IMGX_WANT"; return 1; }
  echo "sha256_ok=1"
}

image_export_variant() {  # image_export_variant CASE VARIANT VOLNAME RAW_IT_WAS_MADE_FROM
  local case=$1 variant=$2 vol=$3 src fmt
  src=$(img_volume "$vol") fmt=${vol##*.}
  IMGX_VOL=$vol IMGX_OUT=$TMPFS/$case.raw IMGX_WANT=$(sha_recorded "$4")
  B_CASE=$case B_VARIANT="$(human "$IMG_SIZE")-$variant" B_CEILING=pipe
  B_REF_LABEL="qemu-img convert -f $fmt -O raw F.$fmt TMPFS/F.raw"
  B_BYTES=$((IMG_SIZE + 8))
  B_PREP="" B_PREP_VOLPORT="cat $src >/dev/null" B_PREP_REFERENCE="rm -f $IMGX_OUT; cat $src >/dev/null"
  B_VOLPORT="{RSS} $(volport_cmd) export bench-src:100/$vol raw+size - | cat >/dev/null"
  B_REFERENCE="{RSS} qemu-img convert -f $fmt -O raw $src $IMGX_OUT"
  B_VERIFY=verify_image_export
  run_pair
  rm -f "$IMGX_OUT"
}

case_qcow2_export() {
  need_images; need_tmpfs; settle
  image_export_variant qcow2-export full vm-100-disk-1.qcow2 "$IMG_FULL"
  # --quick runs one variant per image case, to stay within 3 minutes (each volport run starts a JVM).
  [[ -n $QUICK ]] || image_export_variant qcow2-export 10pct-allocated vm-100-disk-2.qcow2 "$IMG_10PCT"
}

case_vmdk_export() {
  need_images; need_tmpfs; settle
  [[ -n $QUICK ]] || image_export_variant vmdk-export monolithicSparse vm-100-disk-3.vmdk "$IMG_FULL"
  image_export_variant vmdk-export streamOptimized vm-100-disk-4.vmdk "$IMG_FULL"
}

# ---------------------------------------------------------------------------------------------
# qcow2-import: a raw+size stream that is 90 % zeros into a new qcow2 volume, converted while streaming and
# flushed before success, against qemu-img convert of the same bytes as a raw file (zeros written, not holes,
# so that qemu-img reads and tests them as volport does) to a qcow2 file on the same disk, followed by
# `sync F` (fsync of the result) because volport flushes before it reports success.
# Correctness: qemu-img compare -f raw -F qcow2 against the raw file; both results' allocated bytes are reported.
# ---------------------------------------------------------------------------------------------
verify_qcow2_import() {
  local side=$1 f out
  f=$WORK/dst-$side/images/100/vm-100-disk-0.qcow2
  [[ -f $f ]] || { echo "no output file $f"; return 1; }
  out=$(qemu-img compare -q -f raw -F qcow2 "$IMG_90ZERO" "$f" 2>&1) || { echo "qemu-img compare: ${out:-differs}"; return 1; }
  if [[ $side == volport ]] && ! grep -q "successfully imported 'bench-dst:100/vm-100-disk-0.qcow2'" "$WORK/volport.stdout"; then
    echo "volport did not print: successfully imported 'bench-dst:100/vm-100-disk-0.qcow2'"; return 1
  fi
  echo "compare_ok=1 allocated_bytes=$(allocated_bytes "$f")"
}

case_qcow2_import() {
  need_images; settle
  local vout=$WORK/dst-volport/images/100/vm-100-disk-0.qcow2 rout=$WORK/dst-reference/images/100/vm-100-disk-0.qcow2
  B_CASE=qcow2-import B_VARIANT="$(human "$IMG_SIZE")-90pct-zero" B_CEILING=pipe
  B_REF_LABEL='qemu-img convert -f raw -O qcow2 F.raw F.qcow2 && sync F.qcow2'
  B_BYTES=$((IMG_SIZE + 8))
  B_PREP=""
  B_PREP_VOLPORT="rm -f $vout; sync; cat $STREAM_90ZERO >/dev/null"
  B_PREP_REFERENCE="rm -f $rout; sync; cat $IMG_90ZERO >/dev/null"
  B_VOLPORT="cat $STREAM_90ZERO | {RSS} $(volport_cmd) import bench-dst:100/vm-100-disk-0.qcow2 raw+size -"
  B_REFERENCE="{RSS} qemu-img convert -f raw -O qcow2 $IMG_90ZERO $rout && sync $rout"
  B_VERIFY=verify_qcow2_import
  run_pair
  rm -f "$vout" "$rout"
}

# ---------------------------------------------------------------------------------------------
# tar-export, tar-import: a container subvolume (a directory tree) as tar+size.
# The tree (bench/lib/mktree.pl, deterministic): $TREE_FILES small files in $TREE_DIRS directories,
# 3 large files ($TREE_LARGE bytes together), 2 sparse files ($TREE_SPARSE bytes each, 1/16 data),
# symbolic links, hard links, varied modes and owners, fixed mtimes.
# GNU tar runs with the reference's flags (PVE::Storage::Plugin, tar+size).
# ---------------------------------------------------------------------------------------------
TAR_FLAGS="--one-file-system -p --sparse --numeric-owner --acls --xattrs '--xattrs-include=user.*' '--xattrs-include=security.capability'"
subvol_dir() { echo "$WORK/src/images/101/subvol-101-disk-0.subvol"; }

need_tree() {
  need_full
  local dir; dir=$(subvol_dir)
  TREE_STREAM=$WORK/data/tree.stream
  if [[ ! -s $WORK/data/tree.digest || ! -d $dir ]]; then
    log "data: the tar tree ($TREE_FILES files in $TREE_DIRS directories, $(human "$TREE_LARGE") large, 2 × $(human "$TREE_SPARSE") sparse)"
    rm -rf "$dir" "$WORK/data/tree.digest" "$TREE_STREAM"; mkdir -p "$(dirname "$dir")"
    perl "$BENCH_DIR/lib/mktree.pl" "$dir" "$(src_volume)" "$TREE_FILES" "$TREE_DIRS" "$TREE_LARGE" "$TREE_SPARSE" \
      || die "could not make the tree $dir"
    tree_digest "$dir" >"$WORK/data/tree.digest"; DATA_SYNC=1
  fi
  TREE_DIGEST=$(cat "$WORK/data/tree.digest")
  if ! have "$TREE_STREAM"; then
    log "data: the tar+size stream of the tree (GNU tar, the reference's flags) $TREE_STREAM"
    eval "{ size_header 0; tar $TAR_FLAGS -cf - -C $dir .; }" >"$TREE_STREAM" || die "tar of $dir failed"
    record "$TREE_STREAM"; DATA_SYNC=1
  fi
  TREE_APPARENT=$(du -sb "$dir" | awk '{print $1}')
}

# tar-export correctness, once per side: the stream (volport's after its 8-byte header, which must be 0) is
# extracted with GNU tar into the tmpfs and the result's tree_digest must equal the source's.
verify_tar_export() {
  local side=$1 x=$TMPFS/tar-export-check out hdr got
  rm -rf "$x"; mkdir -p "$x"
  if [[ $side == volport ]]; then
    out=$(bash -o pipefail -c "$(volport_cmd) export bench-src:101/subvol-101-disk-0.subvol tar+size - \
      | { h=\$(head -c 8 | od -An -tu8 | tr -d ' '); echo \"header=\$h\"; tar $TAR_FLAGS -xf - -C $x; }" 2>&1) \
      || { echo "export | tar -x failed: $out"; return 1; }
    hdr=${out#header=}; hdr=${hdr%%$'\n'*}
    [[ $hdr == 0 ]] || { echo "size header '$hdr', expected 0"; return 1; }
  else
    out=$(bash -o pipefail -c "tar $TAR_FLAGS -cf - -C $(subvol_dir) . | tar $TAR_FLAGS -xf - -C $x" 2>&1) \
      || { echo "tar -c | tar -x failed: $out"; return 1; }
  fi
  got=$(tree_digest "$x"); rm -rf "$x"
  [[ $got == "$TREE_DIGEST" ]] || { echo "extracted tree digest $got, expected $TREE_DIGEST"; return 1; }
  echo "tree_ok=1"
}

case_tar_export() {
  need_tree; need_tmpfs; settle
  local dir; dir=$(subvol_dir)
  B_CASE=tar-export B_VARIANT="${TREE_FILES}-files" B_CEILING=pipe
  B_REF_LABEL='tar -c --sparse --acls --xattrs … -f - -C DIR . | cat'
  B_BYTES=$(stat -c %s "$TREE_STREAM")
  # Prep: read the whole tree back into the page cache (through a pipe: GNU tar does not read file data
  # when its output is /dev/null itself).
  B_PREP="tar $TAR_FLAGS -cf - -C $dir . | cat >/dev/null" B_PREP_VOLPORT="" B_PREP_REFERENCE=""
  B_VOLPORT="{RSS} $(volport_cmd) export bench-src:101/subvol-101-disk-0.subvol tar+size - | cat >/dev/null"
  B_REFERENCE="{RSS} tar $TAR_FLAGS -cf - -C $dir . | cat >/dev/null"
  B_VERIFY=verify_tar_export
  run_pair
}

# tar-import correctness, once per side: tree_digest of the imported tree equals the source's;
# the allocated bytes of each result (du) are reported.
verify_tar_import() {
  local side=$1 d got
  d=$WORK/tarfs-$side/images/101/subvol-101-disk-0.subvol
  [[ -d $d ]] || { echo "no imported tree $d"; return 1; }
  got=$(tree_digest "$d")
  [[ $got == "$TREE_DIGEST" ]] || { echo "imported tree digest $got, expected $TREE_DIGEST"; return 1; }
  if [[ $side == volport ]] && ! grep -q "successfully imported 'bench-tar:101/subvol-101-disk-0.subvol'" "$WORK/volport.stdout"; then
    echo "volport did not print: successfully imported 'bench-tar:101/subvol-101-disk-0.subvol'"; return 1
  fi
  echo "tree_ok=1 allocated_bytes=$(du -s -B1 "$d" | awk '{print $1}')"
}

case_tar_import() {
  need_tree; settle
  local rdir=$WORK/tarfs-reference/images/101/subvol-101-disk-0.subvol
  # Each run gets a new ext4 (this machine's root file system creates files about 10x slower than a fresh one).
  TREE_FS_BYTES=$(( (TREE_APPARENT * 2 / GIB + 1) * GIB ))
  B_CASE=tar-import B_VARIANT="${TREE_FILES}-files" B_CEILING=-
  B_REF_LABEL='head -c 8; tar -x --sparse --acls --xattrs … -f - -C DIR; sync -f DIR'
  B_BYTES=$(stat -c %s "$TREE_STREAM")
  B_PREP=""
  B_PREP_VOLPORT="$(fresh_fs_cmd volport) && cat $TREE_STREAM >/dev/null && sync"
  B_PREP_REFERENCE="$(fresh_fs_cmd reference) && cat $TREE_STREAM >/dev/null && sync"
  B_VOLPORT="cat $TREE_STREAM | {RSS} $(volport_cmd) import bench-tar:101/subvol-101-disk-0.subvol tar+size -"
  B_REFERENCE="cat $TREE_STREAM | { head -c 8 >/dev/null && mkdir $rdir && {RSS} tar $TAR_FLAGS -xf - -C $rdir; } && sync -f $rdir"
  B_VERIFY=verify_tar_import
  run_pair
  unmount_all
  rm -f "$WORK"/tarfs-*.img
}

# ---------------------------------------------------------------------------------------------
# sparse-export: a 10 %-allocated volume (every tenth 64 KiB block data, the rest holes) as raw+sparse into a
# pipe (zeros never travel), without and with zstd: the qcow2 image against qemu-img convert to a raw file on a
# tmpfs (the reference cannot write a pipe), the raw file against the reference's raw+size of it (header + dd, all
# zeros carried). --issue-sizes adds the same two at 10 GiB. Wire bytes are reported against the raw+size stream's.
# Correctness: the stream's trailer digest equals `volport checksum` of the raw volume, computed by another reader.
# checksum: `volport checksum` (the vpd2-sha256 content digest, parallel, zeros not hashed) of the full and the
# 10 %-allocated images against sha256sum of the same raw content.
# ---------------------------------------------------------------------------------------------
SPX_VOL="" SPX_OPTS="" SPX_WANT="" SPX_SIZE=0
verify_sparse_export() {
  local side=$1 bytes digest
  if [[ $side == volport ]]; then
    local f=$TMPFS/sparse-export.stream
    bash -o pipefail -c "$(volport_cmd) export bench-src:$SPX_VOL raw+sparse - $SPX_OPTS >$f" 2>/dev/null \
      || { echo "export failed"; return 1; }
    bytes=$(stat -c %s "$f") digest=$(tail -c 32 "$f" | od -An -tx1 | tr -d ' \n'); rm -f "$f"
    [[ $digest == "$SPX_WANT" ]] || { echo "trailer digest $digest, expected $SPX_WANT"; return 1; }
    echo "wire_bytes=$bytes wire_vs_raw_size=$(awk -v a="$bytes" -v b=$((SPX_SIZE + 8)) 'BEGIN{printf "%.4f", a/b}')"
  elif [[ $SPX_VOL == *.qcow2 ]]; then
    [[ -f $IMGX_OUT && $(stat -c %s "$IMGX_OUT") == "$SPX_SIZE" ]] || { echo "$IMGX_OUT missing"; return 1; }
    echo "wire_bytes=$SPX_SIZE"
  else
    echo "wire_bytes=$((SPX_SIZE + 8))"
  fi
}

# sparse_pair VOL SIZE OPTS: one pair of the case for the volume bench-src:VOL (raw or qcow2) of SIZE bytes.
sparse_pair() {
  local vol=$1 size=$2 opts=$3 file kind
  file=$WORK/src/images/$vol kind=${vol##*.}
  SPX_VOL=$vol SPX_OPTS=$opts SPX_SIZE=$size IMGX_OUT=$TMPFS/sparse-export.raw
  B_CASE=sparse-export B_VARIANT="$(human "$size")-10pct-$kind${opts:+-zstd}" B_CEILING=pipe
  B_BYTES=$((size + 8))
  B_PREP="" B_PREP_VOLPORT="cat $file >/dev/null"
  B_VOLPORT="{RSS} $(volport_cmd) export bench-src:$vol raw+sparse - $opts | cat >/dev/null"
  if [[ $kind == qcow2 ]]; then
    B_REF_LABEL="qemu-img convert -f qcow2 -O raw F.qcow2 TMPFS/F.raw"
    B_PREP_REFERENCE="rm -f $IMGX_OUT; cat $file >/dev/null"
    B_REFERENCE="{RSS} qemu-img convert -f qcow2 -O raw $file $IMGX_OUT"
  else
    B_REF_LABEL="header + dd if=F bs=4k | cat (raw+size as the reference sends it)"
    B_PREP_REFERENCE="cat $file >/dev/null"
    B_REFERENCE="{ perl -e 'print pack(\"Q<\", shift)' $size; {RSS} dd if=$file bs=4k status=none; } | cat >/dev/null"
  fi
  B_VERIFY=verify_sparse_export
  run_pair
  rm -f "$IMGX_OUT"
}

# need_sparse_10g: bench-src:102/vm-102-disk-0.raw, 10 GiB with every tenth 64 KiB block written (the bench's
# incompressible keystream, 1 GiB of data, the rest holes), and its qcow2 copy vm-102-disk-1.qcow2.
need_sparse_10g() {
  local dir=$WORK/src/images/102 raw qcow size=$((10 * GIB))
  raw=$dir/vm-102-disk-0.raw qcow=$dir/vm-102-disk-1.qcow2
  mkdir -p "$dir"
  if ! have "$raw"; then
    log "data: $raw (10 GiB, every tenth 64 KiB block data, the rest holes)"
    rm -f "$raw"
    { openssl enc -aes-128-ctr -nosalt -pass pass:volport-bench-10g -pbkdf2 -iter 1 </dev/zero 2>/dev/null || true; } \
      | perl -e 'use Fcntl "SEEK_SET"; my ($dst, $size) = @ARGV; my $bs = 65536;
                 open(my $out, ">:raw", $dst) or die "$dst: $!";
                 for (my $off = 0; $off < $size; $off += 10 * $bs) {
                   my $n = read(STDIN, my $buf, $bs); die "read: $!" unless $n == $bs;
                   seek($out, $off, SEEK_SET) or die; print $out $buf or die }
                 truncate($out, $size) or die; close($out) or die "$dst: $!"' "$raw" "$size"
    record "$raw"; DATA_SYNC=1
  fi
  if ! have "$qcow"; then
    log "data: qemu-img convert -O qcow2 vm-102-disk-0.raw vm-102-disk-1.qcow2"
    rm -f "$qcow"; qemu-img convert -q -f raw -O qcow2 "$raw" "$qcow" || die "qemu-img convert to $qcow failed"
    record "$qcow"; DATA_SYNC=1
  fi
}

case_sparse_export() {
  need_images; need_tmpfs
  # the digest of the raw data the image was made from, through a raw volume of it
  mkdir -p "$WORK/src/images/101"
  cp --sparse=always "$IMG_10PCT" "$WORK/src/images/101/vm-101-disk-0.raw"
  [[ $MODE == issue-sizes ]] && need_sparse_10g
  settle
  SPX_WANT=$($(volport_cmd) checksum bench-src:101/vm-101-disk-0.raw | cut -d' ' -f1)
  local opts
  for opts in "" "--compress zstd:1"; do
    [[ -n $QUICK && -n $opts ]] && continue
    sparse_pair 100/vm-100-disk-2.qcow2 "$IMG_SIZE" "$opts"
    sparse_pair 101/vm-101-disk-0.raw "$IMG_SIZE" "$opts"
  done
  if [[ $MODE == issue-sizes ]]; then
    SPX_WANT=$($(volport_cmd) checksum bench-src:102/vm-102-disk-0.raw | cut -d' ' -f1)
    for opts in "" "--compress zstd:1"; do
      sparse_pair 102/vm-102-disk-1.qcow2 $((10 * GIB)) "$opts"
      sparse_pair 102/vm-102-disk-0.raw $((10 * GIB)) "$opts"
    done
  fi
  rm -rf "$WORK/src/images/101"
}

CKS_WANT="" CKS_VOL=""
verify_checksum() {
  local side=$1 got
  [[ $side == volport ]] || { echo "sha256_ok=1"; return 0; }
  got=$($(volport_cmd) checksum "bench-src:100/$CKS_VOL" | cut -d' ' -f1)
  [[ $got == "$CKS_WANT" ]] || { echo "digest $got, expected $CKS_WANT"; return 1; }
}

case_checksum() {
  need_images; settle
  local vol raw want
  for vol in vm-100-disk-1.qcow2:"$IMG_FULL" vm-100-disk-2.qcow2:"$IMG_10PCT"; do
    IFS=: read -r vol raw <<<"$vol"
    [[ -n $QUICK && $vol == vm-100-disk-1.qcow2 ]] && continue
    CKS_VOL=$vol
    # the same content as a raw volume gives the expected digest (another reader, the same definition)
    mkdir -p "$WORK/src/images/101"; cp --sparse=always "$raw" "$WORK/src/images/101/vm-101-disk-0.raw"
    CKS_WANT=$($(volport_cmd) checksum bench-src:101/vm-101-disk-0.raw | cut -d' ' -f1)
    rm -rf "$WORK/src/images/101"
    B_CASE=checksum B_VARIANT="$(human "$IMG_SIZE")-$([[ $raw == "$IMG_FULL" ]] && echo full || echo 10pct)-qcow2"
    B_CEILING=- B_REF_LABEL="sha256sum F.raw (the raw content)" B_BYTES=$IMG_SIZE
    B_PREP="cat $(img_volume "$vol") $raw >/dev/null" B_PREP_VOLPORT="" B_PREP_REFERENCE=""
    B_VOLPORT="{RSS} $(volport_cmd) checksum bench-src:100/$vol >/dev/null"
    B_REFERENCE="{RSS} sha256sum $raw >/dev/null"
    B_VERIFY=verify_checksum
    run_pair
  done
}

# ---------------------------------------------------------------------------------------------
# zfs-send: a dataset as a `zfs` stream from one zfs-fuse pool into another, full and incremental.
# Reference (ZFSPoolPlugin volume_export/volume_import): zfs send -Rp [-I BASE] -- POOL/NAME@SNAP | zfs recv -F.
# volport: `volport export … zfs - -with-snapshots 1 -snapshot S [-base B] | volport import …`, which runs the same
# zfs commands and adds its checks, the staging name and the rename. Both pools are sparse files under $WORK on
# zfs-fuse (started here when no daemon answers, stopped on exit). Sizes: a small tree by default (2,000 files,
# ~80 MiB), ~2 GiB / 20,000 files with --issue-sizes. Incremental: 10 MiB written after the full snapshot.
# ---------------------------------------------------------------------------------------------
ZFS_SRC="" ZFS_DST="" ZFS_STARTED=""
zfs_cleanup() {  # destroys the bench pools; stops the zfs-fuse daemon if need_zfs started it
  local p
  if [[ -s ${WORK:-/nonexistent}/zfs-pools ]]; then
    while read -r p; do
      for _ in $(seq 120); do zpool destroy -f "$p" 2>/dev/null && break; zpool list "$p" >/dev/null 2>&1 || break; sleep 0.5; done
    done <"$WORK/zfs-pools"
    rm -f "$WORK/zfs-pools" "$WORK"/zfs-*.img
  fi
  if [[ -n $ZFS_STARTED && -s $ZFS_STARTED ]]; then kill "$(cat "$ZFS_STARTED")" 2>/dev/null || true; rm -f "$ZFS_STARTED"; ZFS_STARTED=""; fi
}

need_zfs() {
  command -v zpool >/dev/null || die "zfs-send needs zfs-fuse (apt-get install zfs-fuse)"
  if ! zpool list >/dev/null 2>&1; then
    ZFS_STARTED=$WORK/zfs-fuse.pid
    /usr/sbin/zfs-fuse --pidfile "$ZFS_STARTED" --no-kstat-mount || die "cannot start zfs-fuse"
    for _ in $(seq 150); do zpool list >/dev/null 2>&1 && break; sleep 0.1; done
  fi
  local files dirs large sparse bytes
  case $MODE in
    quick) files=500 dirs=20 large=$((16 * MIB)) sparse=$((4 * MIB)) ;;
    issue-sizes) files=20000 dirs=800 large=$((1900 * MIB)) sparse=$((64 * MIB)) ;;
    *) files=2000 dirs=80 large=$((64 * MIB)) sparse=$((8 * MIB)) ;;
  esac
  ZFS_VARIANT="${files}-files"
  bytes=$(( (large + 2 * sparse) * 3 + 512 * MIB ))
  ZFS_SRC=vbsrc$$ ZFS_DST=vbdst$$
  local p
  for p in "$ZFS_SRC" "$ZFS_DST"; do
    truncate -s "$bytes" "$WORK/zfs-$p.img"
    echo "$p" >>"$WORK/zfs-pools"
    zpool create -m "$WORK/zfs/$p" "$p" "$WORK/zfs-$p.img" 2>/dev/null || die "cannot create zfs pool $p"
  done
  zfs create "$ZFS_SRC/subvol-100-disk-0"
  log "data: the zfs dataset ($files files in $dirs directories, $(human "$large") large, 2 × $(human "$sparse") sparse)"
  need_full
  perl "$BENCH_DIR/lib/mktree.pl" "$WORK/zfs/$ZFS_SRC/subvol-100-disk-0/t" "$(src_volume)" "$files" "$dirs" "$large" "$sparse" \
    || die "could not make the zfs tree"
  zfs snapshot "$ZFS_SRC/subvol-100-disk-0@s1"
  ZFS_DIGEST1=$(tree_digest "$WORK/zfs/$ZFS_SRC/subvol-100-disk-0")
  head -c $((10 * MIB)) "$(src_volume)" >"$WORK/zfs/$ZFS_SRC/subvol-100-disk-0/t/changed"
  zfs snapshot "$ZFS_SRC/subvol-100-disk-0@s2"
  ZFS_DIGEST2=$(tree_digest "$WORK/zfs/$ZFS_SRC/subvol-100-disk-0")
  printf '\nzfspool: bench-zsrc\n\tpool %s\n\tmountpoint %s\n\tcontent rootdir\n' "$ZFS_SRC" "$WORK/zfs/$ZFS_SRC" >>"$CONFIG"
  printf '\nzfspool: bench-zdst\n\tpool %s\n\tmountpoint %s\n\tcontent rootdir\n' "$ZFS_DST" "$WORK/zfs/$ZFS_DST" >>"$CONFIG"
}

zfs_dst() { [[ $1 == volport ]] && echo "$ZFS_DST/subvol-100-disk-0" || echo "$ZFS_DST/ref-100"; }
# the prep of one side: its target as the variant needs it (absent, or at s1), retried while zfs-fuse says busy
zfs_prep() {  # zfs_prep SIDE full|incremental
  local d; d=$(zfs_dst "$1")
  if [[ $2 == full ]]; then
    printf '%s' "for i in \$(seq 120); do zfs list $d >/dev/null 2>&1 || break; zfs destroy -r $d 2>/dev/null && break; sleep 0.5; done"
  else
    printf '%s' "zfs list $d >/dev/null 2>&1 || zfs send -Rp $ZFS_SRC/subvol-100-disk-0@s1 | zfs recv -F $d;"
    printf '%s' " for i in \$(seq 120); do zfs rollback -r $d@s1 2>/dev/null && break; sleep 0.5; done"
  fi
}

ZFS_WANT_SNAPS=""
verify_zfs() {
  local side=$1 d got snaps want
  d=$(zfs_dst "$side")
  snaps=$(zfs list -H -o name -t snapshot -d 1 "$d" 2>/dev/null | sed 's/.*@//' | tr '\n' ' ')
  [[ $snaps == "$ZFS_WANT_SNAPS" ]] || { echo "snapshots '$snaps', expected '$ZFS_WANT_SNAPS'"; return 1; }
  want=$ZFS_DIGEST1; [[ $ZFS_WANT_SNAPS == *s2* ]] && want=$ZFS_DIGEST2
  got=$(tree_digest "$WORK/zfs/$d")
  [[ $got == "$want" ]] || { echo "received tree digest $got, expected $want"; return 1; }
  echo "tree_ok=1"
}

case_zfs_send() {
  need_zfs; settle
  local src=$ZFS_SRC/subvol-100-disk-0 v; v=$(volport_cmd)
  B_CASE=zfs-send B_CEILING=- B_PREP="" B_VERIFY=verify_zfs
  # full: the stream of s1 (all data but the 10 MiB change)
  B_VARIANT="$ZFS_VARIANT-full" B_REF_LABEL='zfs send -Rp -- SRC@S | zfs recv -F -- DST'
  B_BYTES=$(zfs send -Rp "$src@s1" | wc -c) ZFS_WANT_SNAPS="s1 "
  B_PREP_VOLPORT=$(zfs_prep volport full) B_PREP_REFERENCE=$(zfs_prep reference full)
  B_VOLPORT="{RSS} $v export bench-zsrc:subvol-100-disk-0 zfs - -with-snapshots 1 -snapshot s1 | $v import bench-zdst:subvol-100-disk-0 zfs - -with-snapshots 1 -snapshot s1"
  B_REFERENCE="{RSS} zfs send -Rp -- $src@s1 | zfs recv -F -- $(zfs_dst reference)"
  run_pair
  # incremental: s1 → s2, 10 MiB changed
  B_VARIANT="$ZFS_VARIANT-incremental-10MiB" B_REF_LABEL='zfs send -Rp -I S1 -- SRC@S2 | zfs recv -F -- DST'
  B_BYTES=$(zfs send -Rp -I s1 "$src@s2" | wc -c) ZFS_WANT_SNAPS="s1 s2 "
  B_PREP_VOLPORT=$(zfs_prep volport incremental) B_PREP_REFERENCE=$(zfs_prep reference incremental)
  B_VOLPORT="{RSS} $v export bench-zsrc:subvol-100-disk-0 zfs - -with-snapshots 1 -snapshot s2 -base s1 | $v import bench-zdst:subvol-100-disk-0 zfs - -with-snapshots 1 -snapshot s2 -base s1"
  B_REFERENCE="{RSS} zfs send -Rp -I s1 -- $src@s2 | zfs recv -F -- $(zfs_dst reference)"
  run_pair
}
