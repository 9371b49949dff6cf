#!/usr/bin/env bash
# Install what the project needs and is missing:
#   - Debian packages (build headers for Odoo's requirements, PostgreSQL, Chromium)
#   - Odoo 19.0 Community, unless an Odoo 19 is already importable
#     (ODOO_SRC may point at a local checkout of Odoo's source)
#   - the project's Python requirements (requirements.txt, requirements-dev.txt)
# Idempotent: a second run installs nothing new.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
STATE="${UTILITY_STATE_DIR:-$ROOT/.local}"
mkdir -p "$STATE"

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        log "need root for: $*"; return 1
    fi
}

# --- 1. Debian packages ------------------------------------------------------
DEB_PACKAGES=(git libpq-dev libldap2-dev libsasl2-dev libxml2-dev libxslt1-dev
    libjpeg-dev postgresql chromium wkhtmltopdf fonts-noto-cjk gettext)
if command -v dpkg >/dev/null && command -v apt-get >/dev/null; then
    missing=()
    for pkg in "${DEB_PACKAGES[@]}"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing Debian packages: ${missing[*]}"
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
        # libpq-dev may upgrade the PostgreSQL minor version: restart the clusters
        if command -v pg_lsclusters >/dev/null; then
            pg_lsclusters -h 2>/dev/null | while read -r ver name _; do
                as_root pg_ctlcluster "$ver" "$name" restart 2>/dev/null || true
            done
        fi
    fi
fi

# pip's own configuration may already name a constraint file; PIP_CONSTRAINT
# replaces it, so keep it alongside ours.
BASE_CONSTRAINT="$("$PYTHON" -m pip config get global.constraint 2>/dev/null || true)"
BUILD_CONSTRAINT="$STATE/build-constraints.txt"
echo 'setuptools<72' >"$BUILD_CONSTRAINT"   # cbor2 5.4.2 does not build with newer
pip_install() {
    PIP_CONSTRAINT="${BASE_CONSTRAINT:+$BASE_CONSTRAINT }$BUILD_CONSTRAINT" \
        "$PYTHON" -m pip install --disable-pip-version-check -q "$@"
}

# --- 2. Odoo 19 ----------------------------------------------------------------
odoo_ok() {
    "$PYTHON" - <<'EOF' 2>/dev/null
import odoo.release, sys
sys.exit(0 if odoo.release.version_info[:2] == (19, 0) else 1)
EOF
}
if odoo_ok; then
    log "Odoo 19 already importable: $("$PYTHON" -c 'import odoo; print(list(odoo.__path__)[0])')"
else
    SRC="${ODOO_SRC:-$STATE/odoo-src}"
    if [ ! -f "$SRC/odoo/release.py" ]; then
        log "fetching Odoo 19.0 from Odoo's official source into $SRC"
        git clone --depth 1 --branch 19.0 https://github.com/odoo/odoo.git "$SRC"
    fi
    log "installing Odoo's requirements"
    pip_install -r "$SRC/requirements.txt"
    # compat editable mode keeps the odoo.addons namespace open for OCA wheels
    pip_install --no-deps -e "$SRC" --config-settings editable_mode=compat
    odoo_ok || { log "Odoo 19 still not importable"; exit 1; }
fi

# --- 3. the project's requirements -----------------------------------------
# Freeze what Odoo installed so that the OCA wheels cannot upgrade its pins
# (an unpinned lxml_html_clean would pull a newer lxml).
FROZEN="$STATE/odoo-frozen.txt"
"$PYTHON" -m pip list --format=freeze --exclude-editable 2>/dev/null \
    | grep -viE '^(odoo|odoo-addon-|setuptools|pip|wheel)([=-]|$)' >"$FROZEN" || true
BUILD_CONSTRAINT_ORIG="$BUILD_CONSTRAINT"
cat "$BUILD_CONSTRAINT_ORIG" "$FROZEN" >"$STATE/all-constraints.txt"
BUILD_CONSTRAINT="$STATE/all-constraints.txt"
log "installing the project's Python requirements"
pip_install -r "$ROOT/requirements.txt" -r "$ROOT/requirements-dev.txt"
log "done"
