#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into an EMPTY database and an empty media directory,
# then check it: the files' sha256 against the manifest, the key tables' row counts against the
# manifest, and every attachment on disk against the sha256 the database holds for it.
# See docs/operations.md, "Backup and restore".
set -euo pipefail

usage() {
  cat <<USAGE
Usage: DATABASE_URL=postgres://user:pass@host:5432/portal \\
       $(basename "$0") MANIFEST TARGET_DATABASE [TARGET_MEDIA_ROOT]

  MANIFEST           the .manifest file written by backup.sh (the .dump and -media.tar.gz next to it)
  TARGET_DATABASE    an existing, EMPTY database: a URL (postgres://user:pass@host:5432/name) or a
                     name on the server of DATABASE_URL (create it first: createdb -O portal NAME)
  TARGET_MEDIA_ROOT  an empty (or missing) directory for the uploaded files
                     (default: \$MEDIA_ROOT, else var/media/ of the project)
Refuses a target database that has tables and a media directory that has files. Prints OK when
everything checks out; exits non-zero otherwise.
USAGE
}

fail() { echo "error: $*" >&2; exit 1; }

case "${1:-}" in -h | --help) usage; exit 0 ;; esac
if [ $# -lt 2 ] || [ $# -gt 3 ]; then usage >&2; exit 2; fi

root="$(cd "$(dirname "$0")/.." && pwd)"
manifest="$1"
target="$2"
media_root="${3:-${MEDIA_ROOT:-$root/var/media}}"

[ -f "$manifest" ] || fail "no manifest at $manifest"
backup_dir="$(cd "$(dirname "$manifest")" && pwd)"

manifest_value() {  # the value of key=value in the manifest, or fail
  local line
  line="$(grep -m1 "^$1=" "$manifest" || true)"
  [ -n "$line" ] || fail "the manifest $manifest has no $1 (is it from backup.sh?)"
  printf '%s' "${line#*=}"
}

normalise_url() {  # libpq understands postgres:// and postgresql://; django-environ has aliases
  printf '%s' "$1" | sed -E 's#^(pgsql|psql|postgis)://#postgresql://#'
}

case "$target" in
  *://*) target_url="$(normalise_url "$target")" ;;
  *)
    [ -n "${DATABASE_URL:-}" ] \
      || fail "TARGET_DATABASE '$target' is a name: set DATABASE_URL to say on which server"
    source_url="$(normalise_url "$DATABASE_URL")"
    query=""
    case "$source_url" in *\?*) query="?${source_url#*\?}"; source_url="${source_url%%\?*}" ;; esac
    target_url="${source_url%/*}/$target$query"
    ;;
esac
case "$target_url" in
  postgres://* | postgresql://*) ;;
  *) fail "the target must be a PostgreSQL database, not ${target_url%%://*}" ;;
esac
target_name="${target_url%%\?*}"
target_name="${target_name##*/}"

psql_target() { psql -X -q -t -A -v ON_ERROR_STOP=1 --dbname="$target_url" "$@"; }

# 1. The backup is whole: both files are there with the checksums the manifest recorded.
dump="$backup_dir/$(manifest_value dump)"
media="$backup_dir/$(manifest_value media)"
for pair in "$dump:$(manifest_value dump_sha256)" "$media:$(manifest_value media_sha256)"; do
  file="${pair%:*}"
  expected="${pair##*:}"
  [ -f "$file" ] || fail "$file is missing"
  actual="$(sha256sum "$file" | cut -d' ' -f1)"
  [ "$actual" = "$expected" ] || fail "$file is damaged: sha256 $actual, the manifest says $expected"
done
echo "Backup files match their checksums."

# 2. The targets are empty: a restore never mixes with, or overwrites, data that is there.
tables="$(psql_target -c "SELECT count(*) FROM pg_catalog.pg_tables
  WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")" \
  || fail "cannot connect to the target database $target_name (create it first: createdb NAME)"
if [ "$tables" != "0" ]; then
  fail "the target database $target_name is not empty ($tables tables); restore only into a new,
empty database (createdb -O portal NEW_NAME) and point the portal at it afterwards"
fi
if [ -d "$media_root" ] && [ -n "$(ls -A "$media_root")" ]; then
  fail "the target media directory $media_root is not empty; restore into an empty directory"
fi

# 3. Restore: the database in one transaction (a failure leaves the target empty), then the files.
echo "Restoring the database into $target_name"
pg_restore --no-owner --no-acl --exit-on-error --single-transaction \
  --dbname="$target_url" "$dump"
echo "Restoring the uploaded files into $media_root"
mkdir -p "$media_root"
tar --extract --gzip --no-same-owner --file="$media" --directory="$media_root"

# 4. Verify: the key tables have the rows the manifest counted …
problems=0
while IFS='=' read -r key expected; do
  table="${key#rows.}"
  actual="$(psql_target -c "SELECT count(*) FROM $table")"
  if [ "$actual" = "$expected" ]; then
    printf '  %-32s %s rows\n' "$table" "$actual"
  else
    echo "MISMATCH: $table has $actual rows, the backup had $expected" >&2
    problems=$((problems + 1))
  fi
done < <(grep '^rows\.' "$manifest")

# … and every attachment the database lists is on disk with the content it was uploaded with.
files=0
while IFS='|' read -r path sha256; do
  [ -n "$path" ] || continue
  files=$((files + 1))
  if [ ! -f "$media_root/$path" ]; then
    echo "MISSING: $path" >&2
    problems=$((problems + 1))
  elif [ "$(sha256sum "$media_root/$path" | cut -d' ' -f1)" != "$sha256" ]; then
    echo "DAMAGED: $path does not have sha256 $sha256" >&2
    problems=$((problems + 1))
  fi
done < <(psql_target -c "SELECT file, sha256 FROM applications_enterprisefile ORDER BY id")
echo "  attachments                      $files files checked"

if [ "$problems" -ne 0 ]; then
  fail "$problems problem(s) found; do not use database $target_name"
fi
echo "OK"
