#!/bin/sh
# Back up cpe: the database (pg_dump, custom format) and the shared files (uploads, exports).
#   sudo -u cpe /srv/cpe/deploy/backup.sh /var/backups/cpe
# Reads CPE_DATABASE_URL from ENV_FILE (default /etc/cpe/cpe.env); SHARED_DIR defaults to
# /srv/cpe/shared. The database goes first, then the files, so every file a row names is in the
# archive. Copy both files off the host (and keep several days); test a restore regularly
# (restore.sh into a scratch database, docs/deployment.md).
set -eu
dest=${1:?usage: backup.sh DEST_DIR}
set -a
. "${ENV_FILE:-/etc/cpe/cpe.env}"
set +a
shared=${SHARED_DIR:-/srv/cpe/shared}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
# SQLAlchemy's URL names the driver; libpq's tools want the plain scheme.
url=$(printf '%s' "$CPE_DATABASE_URL" | sed 's/^postgresql+[a-z0-9]*:/postgresql:/')
mkdir -p "$dest"
pg_dump --format=custom --no-owner --no-privileges --file "$dest/cpe-$stamp.dump" "$url"
tar -C "$shared" -czf "$dest/cpe-files-$stamp.tar.gz" .
pg_restore --list "$dest/cpe-$stamp.dump" >/dev/null   # the dump reads back
echo "$dest/cpe-$stamp.dump"
echo "$dest/cpe-files-$stamp.tar.gz"
