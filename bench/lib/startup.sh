# shellcheck shell=bash
# Start-up (issue 17): whole-process time of `volport --version` and of a 1 MiB raw export into a pipe, against a
# hello-world JVM with an AOT cache of its own, run with the same JVM options as bin/volport (the floor a JVM
# program can reach here). Goal: volport ≤ 0.10 s wall median and ≤ 2× the hello-world JVM. Small and quick, so it
# is part of the default run. For the packaged launcher: bench/run --only startup --volport DIR/bin/volport.

register_case startup case_startup 'hello-world JVM with an AOT cache (same JVM options)'

# The hello-world program, its jar and its AOT cache, made once under $WORK/hello with the JDK volport runs on.
need_hello() {
  local dir=$WORK/hello jdk
  jdk=$("$BENCH_DIR/../scripts/find-java") || die "no JDK 25 for the hello-world JVM"
  HELLO_JAVA=$jdk/bin/java
  HELLO_OPTS="-Xmx128m -Xss1m -XX:-UsePerfData -XX:+UseSerialGC -XX:TieredStopAtLevel=1"
  if [[ ! -s $dir/hello.aot ]]; then
    mkdir -p "$dir"
    printf 'public class Hello { public static void main(String[] a) { System.out.println("hello"); } }\n' \
      >"$dir/Hello.java"
    "$jdk/bin/javac" -d "$dir" "$dir/Hello.java" && "$jdk/bin/jar" cfe "$dir/hello.jar" Hello -C "$dir" Hello.class \
      || die "cannot build the hello-world jar"
    # shellcheck disable=SC2086
    "$HELLO_JAVA" $HELLO_OPTS -XX:AOTCacheOutput="$dir/hello.aot" -Xlog:aot=off -Xlog:cds=off -jar "$dir/hello.jar" \
      >/dev/null 2>&1 || die "cannot train the hello-world AOT cache"
  fi
  HELLO_CMD="$HELLO_JAVA $HELLO_OPTS -XX:AOTCache=$dir/hello.aot -Xlog:aot=off -Xlog:cds=off -jar $dir/hello.jar"
}

# A 1 MiB raw volume with 64 KiB of data, bench-src:100/vm-100-disk-9.raw.
need_tiny() {
  local f=$WORK/src/images/100/vm-100-disk-9.raw
  if [[ ! -s $f ]]; then
    head -c 65536 /dev/urandom >"$f" && truncate -s 1M "$f"
  fi
  TINY_SHA=$(sha_of "$f")
}

verify_startup_version() {
  local side=$1 out
  if [[ $side == volport ]]; then
    out=$("$VOLPORT" --version 2>&1) && [[ $out == *volport* ]] || { echo "volport --version printed: $out"; return 1; }
  else
    out=$(bash -c "$HELLO_CMD" 2>&1) && [[ $out == hello ]] || { echo "hello-world printed: $out"; return 1; }
  fi
}

verify_startup_export() {
  local side=$1 got
  if [[ $side == volport ]]; then
    got=$(bash -o pipefail -c "$(volport_cmd) export bench-src:100/vm-100-disk-9.raw raw+size - | tail -c +9" \
      | sha_stdin)
    [[ $got == "$TINY_SHA" ]] || { echo "export payload sha256 $got, expected $TINY_SHA"; return 1; }
  else
    verify_startup_version reference
  fi
}

case_startup() {
  need_hello; need_tiny; settle
  B_CASE=startup B_CEILING=- B_BYTES=0
  B_PREP="" B_PREP_VOLPORT="" B_PREP_REFERENCE=""
  B_REFERENCE="{RSS} $HELLO_CMD >/dev/null"

  B_VARIANT=version B_REF_LABEL='hello-world JVM, AOT cache'
  B_VOLPORT="{RSS} $VOLPORT --version >/dev/null"
  B_VERIFY=verify_startup_version
  run_pair

  B_VARIANT=1MiB-raw-export B_REF_LABEL='hello-world JVM, AOT cache'
  B_VOLPORT="{RSS} $(volport_cmd) export bench-src:100/vm-100-disk-9.raw raw+size - | cat >/dev/null"
  B_VERIFY=verify_startup_export
  run_pair
}
