#!/usr/bin/env bash
# Restore a Townhall backup made by deploy/backup.sh into DATABASE_URL and DOCUMENT_ROOT.
#
#   systemctl stop townhall-web townhall-worker@\* townhall-notify@\*
#   DATABASE_URL=postgres://… DOCUMENT_ROOT=/var/lib/townhall/documents deploy/restore.sh /var/backups/townhall/townhall-…Z
#   python manage.py migrate --no-input   # when restoring an older backup under newer code
#
# Checks the checksums first and stops on any error. The database is restored in one transaction
# (objects in the dump are dropped and recreated, so the target may be empty or an older copy). The
# current documents directory is kept beside the restored one as DOCUMENT_ROOT.before-restore-<time>.
set -euo pipefail

src=${1:?usage: restore.sh BACKUP_DIR}
: "${DATABASE_URL:?DATABASE_URL must be set}"
: "${DOCUMENT_ROOT:?DOCUMENT_ROOT must be set}"

(cd "$src" && sha256sum --check --quiet SHA256SUMS)
pg_restore --clean --if-exists --no-owner --no-privileges --exit-on-error --single-transaction \
  --dbname "$DATABASE_URL" "$src/database.dump"

parent=$(dirname "$DOCUMENT_ROOT")
mkdir -p "$parent"
incoming=$(mktemp -d "$parent/.documents-restore.XXXXXX")
tar --extract --gzip --file "$src/documents.tar.gz" --directory "$incoming" --no-same-owner
chmod 750 "$incoming"
if [ -e "$DOCUMENT_ROOT" ]; then
  mv "$DOCUMENT_ROOT" "$DOCUMENT_ROOT.before-restore-$(date -u +%Y%m%dT%H%M%SZ)"
fi
mv "$incoming" "$DOCUMENT_ROOT"
echo "restored $src"
