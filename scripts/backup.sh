#!/usr/bin/env bash
# Back up the portal: the PostgreSQL database (pg_dump, custom format), the uploaded attachments
# (a tar.gz of MEDIA_ROOT) and a manifest with both files' sha256 and the row counts of the key
# tables, taken in the same snapshot as the dump so that restore.sh can check it got everything.
# See docs/operations.md, "Backup and restore".
set -euo pipefail

usage() {
  cat <<USAGE
Usage: DATABASE_URL=postgres://user:pass@host:5432/portal [MEDIA_ROOT=/srv/portal/media] \\
       $(basename "$0") [DIRECTORY]

Writes into DIRECTORY (default: var/backups/ of the project):
  portal-<UTC timestamp>.dump          pg_dump --format=custom --no-owner of the database
  portal-<UTC timestamp>-media.tar.gz  the uploaded files under MEDIA_ROOT (default: var/media/)
  portal-<UTC timestamp>.manifest      sha256 of both files and row counts of the key tables
Restore with scripts/restore.sh DIRECTORY/portal-<UTC timestamp>.manifest TARGET_DATABASE.
USAGE
}

case "${1:-}" in -h | --help) usage; exit 0 ;; esac
if [ $# -gt 1 ]; then usage >&2; exit 2; fi
if [ -z "${DATABASE_URL:-}" ]; then
  echo "error: DATABASE_URL is not set (postgres://user:pass@host:5432/name)" >&2
  usage >&2
  exit 2
fi

root="$(cd "$(dirname "$0")/.." && pwd)"
directory="${1:-$root/var/backups}"
media_root="${MEDIA_ROOT:-$root/var/media}"

# libpq understands postgres:// and postgresql://; django-environ also accepts these aliases.
database_url="$(printf '%s' "$DATABASE_URL" | sed -E 's#^(pgsql|psql|postgis)://#postgresql://#')"
case "$database_url" in
  postgres://* | postgresql://*) ;;
  *) echo "error: DATABASE_URL must point to PostgreSQL, not ${DATABASE_URL%%://*}" >&2; exit 2 ;;
esac

# The tables whose row counts the manifest records and restore.sh checks.
KEY_TABLES=(
  applications_application
  applications_caseevent
  applications_enterprisefile
  applications_notification
  incentives_incentiveitem
  portal_enterprise
)

mkdir -p "$directory"
directory="$(cd "$directory" && pwd)"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
base="portal-$stamp"
dump="$directory/$base.dump"
media="$directory/$base-media.tar.gz"
manifest="$directory/$base.manifest"
for file in "$dump" "$media" "$manifest"; do
  if [ -e "$file" ]; then echo "error: $file exists already" >&2; exit 1; fi
done
# Never leave a half-written backup behind that looks complete.
trap 'status=$?; if [ $status -ne 0 ]; then rm -f "$dump" "$media" "$manifest" "$manifest.tmp"; echo "backup failed" >&2; fi' EXIT

# One repeatable-read transaction exports its snapshot; the row counts are read in it and
# pg_dump dumps exactly that snapshot, so the counts describe the dump even while people work.
coproc PSQL { psql -X -q -t -A -v ON_ERROR_STOP=1 --dbname="$database_url" 2>&1; }
answer=""
psql_ask() {  # one statement; its one-line answer in $answer
  printf '%s\n' "$1" >&"${PSQL[1]}"
  if ! IFS= read -r -t 60 answer <&"${PSQL[0]}"; then
    echo "error: no answer from PostgreSQL to: $1" >&2
    exit 1
  fi
  case "$answer" in
    ERROR:* | psql:* | FATAL:*) echo "error: $answer" >&2; exit 1 ;;
  esac
}
printf 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;\n' >&"${PSQL[1]}"  # quiet: no answer
psql_ask "SELECT pg_export_snapshot();"
snapshot="$answer"
declare -A counts
for table in "${KEY_TABLES[@]}"; do
  psql_ask "SELECT count(*) FROM $table;"
  counts[$table]="$answer"
done

echo "Dumping the database to $dump"
pg_dump --format=custom --no-owner --snapshot="$snapshot" --file="$dump" --dbname="$database_url"
printf 'COMMIT;\n\\q\n' >&"${PSQL[1]}"
wait "$PSQL_PID" 2>/dev/null || true

# Attachments are written once under a new name and never changed, so archiving them after the
# dump includes every file the dump refers to.
if [ -d "$media_root" ]; then
  echo "Archiving the uploaded files of $media_root to $media"
  tar --create --gzip --file="$media" --directory="$media_root" .
else
  echo "warning: MEDIA_ROOT $media_root does not exist; the media archive is empty" >&2
  empty="$(mktemp -d)"
  tar --create --gzip --file="$media" --directory="$empty" .
  rmdir "$empty"
fi

{
  echo "# Portal backup manifest: read by scripts/restore.sh"
  echo "created=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "dump=$(basename "$dump")"
  echo "dump_sha256=$(sha256sum "$dump" | cut -d' ' -f1)"
  echo "media=$(basename "$media")"
  echo "media_sha256=$(sha256sum "$media" | cut -d' ' -f1)"
  for table in "${KEY_TABLES[@]}"; do
    echo "rows.$table=${counts[$table]}"
  done
} >"$manifest.tmp"
mv "$manifest.tmp" "$manifest"

echo "Backup written:"
ls -l "$dump" "$media" "$manifest" | sed 's/^/  /'
for table in "${KEY_TABLES[@]}"; do
  printf '  %-32s %s rows\n' "$table" "${counts[$table]}"
done
echo "$manifest"
