#!/usr/bin/env bash
# Back up Townhall: the PostgreSQL database (pg_dump custom format) and the documents directory.
#
#   DATABASE_URL=postgres://… DOCUMENT_ROOT=/var/lib/townhall/documents deploy/backup.sh /var/backups/townhall
#
# Writes DEST/townhall-<UTC timestamp>/ holding database.dump, documents.tar.gz and SHA256SUMS, and prints
# that directory. The dump is taken first and the documents after it, so every document the database
# names is in the archive (a document uploaded meanwhile is an unreferenced extra, never a gap).
# Run it from a systemd timer or cron as the townhall user; copy the directory off the host.
set -euo pipefail
umask 077

dest=${1:?usage: backup.sh DEST_DIR}
: "${DATABASE_URL:?DATABASE_URL must be set}"
: "${DOCUMENT_ROOT:?DOCUMENT_ROOT must be set}"
case "$DATABASE_URL" in
  postgres://*|postgresql://*) ;;
  *) echo "backup.sh: DATABASE_URL must be a PostgreSQL URL (for SQLite use: sqlite3 FILE '.backup COPY')" >&2; exit 2 ;;
esac

out="$dest/townhall-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out.partial"
pg_dump --format=custom --compress=6 --no-owner --no-privileges --file "$out.partial/database.dump" "$DATABASE_URL"
mkdir -p "$DOCUMENT_ROOT"
tar --create --gzip --file "$out.partial/documents.tar.gz" --directory "$DOCUMENT_ROOT" .
(cd "$out.partial" && sha256sum database.dump documents.tar.gz > SHA256SUMS)
mv "$out.partial" "$out"  # only a complete backup gets the final name
echo "$out"
