#!/usr/bin/env bash
# Build the reference Asterisk 20.20.1 (with chan_sip) from source and install it under $PREFIX
# (default /opt/asterisk-ref), configured with test/fixtures/fidelity/config/base (CONF_SRC to change).
# Copied from the team's reference-Asterisk kit so that recording needs nothing outside the repo.
#
# Re-runnable: every step leaves a marker in $SRC_ROOT/.done/ and is skipped next time
# (delete the marker, or pass FORCE=step1,step2, to redo a step). The config step always re-syncs
# (it is cheap) but keeps an existing TLS key/cert.
#
# Source: the tag 20.20.1 of github:asterisk/asterisk, read from a bare git directory
#   (ASTERISK_GIT_DIR: the bare git directory that `fetch github:asterisk/asterisk` printed
#   by fetch), or from a release tarball (ASTERISK_TARBALL=/path/asterisk-20.20.1.tar.gz).
# No network is needed apart from Debian's apt packages (step "deps").
#
# Env: PREFIX, SRC_ROOT (default /opt/asterisk-ref-src), JOBS (default 2), ASTERISK_GIT_DIR,
#      ASTERISK_TARBALL, FORCE (comma list of steps to redo), BUILD_STAMP_DATE/HOST/USER (the
#      `core show version` stamp; default: the recording's "root @ vm ... 2026-11-22 10:56:01 UTC",
#      BUILD_STAMP_DATE=now keeps the real one).
# Steps: deps source configure menuselect make install config
set -euo pipefail

VERSION=20.20.1
PREFIX=${PREFIX:-/opt/asterisk-ref}
SRC_ROOT=${SRC_ROOT:-/opt/asterisk-ref-src}
SRC=$SRC_ROOT/asterisk-$VERSION
JOBS=${JOBS:-2}
ASTERISK_GIT_DIR=${ASTERISK_GIT_DIR:-}
ASTERISK_TARBALL=${ASTERISK_TARBALL:-}
FORCE=${FORCE:-}
BUILD_STAMP_DATE=${BUILD_STAMP_DATE:-2026-11-22 10:56:01}   # "now": keep the real build date/host/user
BUILD_STAMP_HOST=${BUILD_STAMP_HOST:-vm}
BUILD_STAMP_USER=${BUILD_STAMP_USER:-root}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CONF_SRC=${CONF_SRC:-$(cd "$HERE/../../test/fixtures/fidelity/config/base"; pwd)}
DONE=$SRC_ROOT/.done
LOGS=$SRC_ROOT/logs
TIMINGS=$SRC_ROOT/timings.log

mkdir -p "$SRC_ROOT" "$DONE" "$LOGS"

log() { printf '[build %s] %s\n' "$(date +%T)" "$*"; }

# run_step NAME FUNCTION: skip when marker exists (unless NAME is in FORCE), time it, record the time.
run_step() {
    local name=$1 fn=$2
    if [[ -e $DONE/$name && ",$FORCE," != *",$name,"* ]]; then
        log "step $name: already done (marker $DONE/$name) - skipped"
        return 0
    fi
    rm -f "$DONE/$name"
    log "step $name: start (log $LOGS/$name.log)"
    local t0 t1 rc
    t0=$(date +%s)
    set +e
    ( set -euo pipefail; if [[ -n ${TRACE:-} ]]; then set -x; fi; "$fn" ) >"$LOGS/$name.log" 2>&1
    rc=$?
    set -e
    t1=$(date +%s)
    if [[ $rc -ne 0 ]]; then
        log "step $name: FAILED rc=$rc after $((t1 - t0)) s; last lines of $LOGS/$name.log:"
        tail -n 40 "$LOGS/$name.log" >&2
        exit $rc
    fi
    printf '%s %-10s %5d s\n' "$(date -u +%FT%TZ)" "$name" $((t1 - t0)) >>"$TIMINGS"
    touch "$DONE/$name"
    log "step $name: done in $((t1 - t0)) s"
}

# ---------------------------------------------------------------- steps
APT_PKGS=(build-essential pkg-config libedit-dev libjansson-dev libxml2-dev uuid-dev libsqlite3-dev
          libssl-dev libncurses-dev xmlstarlet openssl netcat-openbsd bzip2 patch python3)

step_deps() {
    local missing=()
    for p in "${APT_PKGS[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    if [[ ${#missing[@]} -eq 0 ]]; then echo "all build dependencies present"; return 0; fi
    echo "installing: ${missing[*]}"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
}

step_source() {
    rm -rf "$SRC"
    if [[ -n $ASTERISK_TARBALL ]]; then
        mkdir -p "$SRC"
        tar -xf "$ASTERISK_TARBALL" -C "$SRC" --strip-components=1
    else
        [[ -d $ASTERISK_GIT_DIR ]] || { echo "no git dir $ASTERISK_GIT_DIR: fetch github:asterisk/asterisk and set ASTERISK_GIT_DIR, or set ASTERISK_TARBALL"; exit 2; }
        local g=(git --git-dir="$ASTERISK_GIT_DIR")
        "${g[@]}" rev-parse -q --verify "refs/tags/$VERSION" >/dev/null || { echo "tag $VERSION not in $ASTERISK_GIT_DIR"; exit 2; }
        # The mirror may lack some large blobs (seen: ChangeLogs/historical/ChangeLog); leave those out.
        local excludes=()
        while read -r path; do
            echo "blob missing in mirror, left out: $path"
            excludes+=(":(exclude)$path")
        done < <("${g[@]}" ls-tree -r "$VERSION" | awk '$2=="blob"{print $3"\t"$4}' |
                  while IFS=$'\t' read -r sha path; do
                      "${g[@]}" cat-file -e "$sha" 2>/dev/null || printf '%s\n' "$path"
                  done)
        "${g[@]}" archive --prefix="asterisk-$VERSION/" "$VERSION" -- . "${excludes[@]}" | tar -x -C "$SRC_ROOT"
    fi
    test -f "$SRC/.version" && echo "version file: $(cat "$SRC/.version")"
    grep -qx "$VERSION" "$SRC/.version"
    test -f "$SRC/channels/chan_sip.c"
}

step_configure() {
    cd "$SRC"
    # No bundled downloads (no internet): system jansson, no pjproject (so no res_pjsip*/chan_pjsip),
    # no bundled libjwt.
    ./configure --prefix="$PREFIX" \
        --without-pjproject-bundled --without-pjproject \
        --without-jansson-bundled --with-jansson \
        --without-libjwt-bundled \
        --with-libedit --with-sqlite3 --with-ssl --with-crypto --with-libxml2
}

# Modules built (everything else in the module categories is off). Chosen to give the same manager
# action set (ListCommands) as the recording: app_queue/app_mixmonitor/app_senddtmf/chan_sip/res_agi/
# res_monitor/res_mutestream/res_sorcery_memory_cache/res_manager_{device,presence}state/pbx_config.
ENABLE_MODULES=(
    # channels
    chan_sip
    # apps
    app_queue app_dial app_playback app_echo app_mixmonitor app_senddtmf app_chanspy app_stack
    app_verbose app_exec app_originate app_transfer app_userevent app_system app_record app_read
    app_authenticate app_directed_pickup
    # bridges
    bridge_simple bridge_native_rtp bridge_holding bridge_builtin_features
    bridge_builtin_interval_features bridge_softmix
    # cdr
    cdr_csv cdr_manager
    # codecs / formats
    codec_ulaw codec_alaw codec_gsm codec_a_mu format_wav format_pcm format_gsm format_wav_gsm
    # pbx
    pbx_config
    # res
    res_agi res_speech res_monitor res_mutestream res_musiconhold res_timing_timerfd res_crypto
    res_rtp_asterisk res_sorcery_config res_sorcery_memory res_sorcery_astdb res_sorcery_realtime
    res_sorcery_memory_cache res_manager_devicestate res_manager_presencestate res_clioriginate
    res_limit res_convert res_realtime
)
DISABLE_CATEGORIES=(MENUSELECT_ADDONS MENUSELECT_APPS MENUSELECT_BRIDGES MENUSELECT_CDR MENUSELECT_CEL
    MENUSELECT_CHANNELS MENUSELECT_CODECS MENUSELECT_FORMATS MENUSELECT_FUNCS MENUSELECT_PBX
    MENUSELECT_RES MENUSELECT_TESTS MENUSELECT_UTILS MENUSELECT_AGIS
    MENUSELECT_CORE_SOUNDS MENUSELECT_MOH MENUSELECT_EXTRA_SOUNDS)

step_menuselect() {
    cd "$SRC"
    rm -f menuselect.makeopts
    make menuselect.makeopts
    local ms=menuselect/menuselect
    local args=()
    for c in "${DISABLE_CATEGORIES[@]}"; do args+=(--disable-category "$c"); done
    $ms "${args[@]}" menuselect.makeopts
    # all func_* (those whose libraries are missing are dropped by menuselect's dependency check)
    local funcs
    funcs=$(cd funcs && ls func_*.c | sed 's/\.c$//')
    args=()
    for m in "${ENABLE_MODULES[@]}" $funcs; do args+=(--enable "$m"); done
    $ms "${args[@]}" menuselect.makeopts
    # sounds need downloads: make sure none is selected
    $ms --disable CORE-SOUNDS-EN-GSM --disable MOH-OPSOUND-WAV menuselect.makeopts
    $ms --check-deps menuselect.makeopts
    # (menuselect always rewrites menuselect.makeopts: never call it without the file argument,
    #  or it writes the defaults back)
    echo "---- enabled after selection:"
    $ms --list-options menuselect.makeopts | grep -E '^\+ ' | sort -k3,3 -k2,2
    # chan_sip must be on (absent from the MENUSELECT_CHANNELS exclusion list)
    ! grep -E '^MENUSELECT_CHANNELS=.*\bchan_sip\b' menuselect.makeopts
}

step_make() {
    cd "$SRC"
    # Build stamp shown by `core show version` / AMI Command: the recording says
    # "built by root @ vm on a x86_64 running Linux on 2026-11-22 10:56:01 UTC". Reproduce it
    # (BUILD_STAMP_DATE=now keeps this build's own date and host).
    make include/asterisk/build.h
    if [[ $BUILD_STAMP_DATE != now ]]; then
        sed -i -e "s|^#define BUILD_DATE .*|#define BUILD_DATE \"$BUILD_STAMP_DATE UTC\"|" \
               -e "s|^#define BUILD_HOSTNAME .*|#define BUILD_HOSTNAME \"$BUILD_STAMP_HOST\"|" \
               -e "s|^#define BUILD_USER .*|#define BUILD_USER \"$BUILD_STAMP_USER\"|" include/asterisk/build.h
    fi
    cat include/asterisk/build.h
    make -j"$JOBS"
    test -x main/asterisk
    test -f channels/chan_sip.so
}

step_install() {
    cd "$SRC"
    make install            # binaries, modules, dirs; no samples (config comes from the recording)
    test -x "$PREFIX/sbin/asterisk"
    test -f "$PREFIX/lib/asterisk/modules/chan_sip.so"
}

step_config() {
    local etc=$PREFIX/etc/asterisk
    mkdir -p "$etc/keys" "$PREFIX/var/lib/asterisk/moh" "$PREFIX/var/log/asterisk/cdr-csv" \
             "$PREFIX/var/run/asterisk" "$PREFIX/var/spool/asterisk" "$PREFIX/var/cache/asterisk"
    # the recorded config, @PREFIX@ replaced
    for f in "$CONF_SRC"/*.conf; do
        sed "s|@PREFIX@|$PREFIX|g" "$f" >"$etc/$(basename "$f")"
    done
    # indications.conf / rtp.conf were the unmodified samples in the recording
    cp "$SRC/configs/samples/indications.conf.sample" "$etc/indications.conf"
    cp "$SRC/configs/samples/rtp.conf.sample" "$etc/rtp.conf"
    # TLS: the recorded private key was not kept; make a self-signed pair of the same subject
    if [[ ! -s $etc/keys/ami.key || ! -s $etc/keys/ami.crt ]]; then
        openssl req -x509 -newkey rsa:2048 -nodes -days 3650 \
            -keyout "$etc/keys/ami.key" -out "$etc/keys/ami.crt" \
            -subj "/CN=127.0.0.1/O=AMI reference"
        chmod 600 "$etc/keys/ami.key"
    fi
    ls -l "$etc" "$etc/keys"
}

# ---------------------------------------------------------------- main
T0=$(date +%s)
log "Asterisk $VERSION -> $PREFIX (source $SRC, jobs $JOBS)"
run_step deps       step_deps
run_step source     step_source
run_step configure  step_configure
run_step menuselect step_menuselect
run_step make       step_make
run_step install    step_install
FORCE="$FORCE,config" run_step config step_config
log "all steps done in $(( $(date +%s) - T0 )) s this run; step timings so far:"
cat "$TIMINGS"
"$PREFIX/sbin/asterisk" -V
