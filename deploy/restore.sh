#!/bin/sh
# Restore a backup made by backup.sh into an EMPTY database and an empty shared folder:
#   createdb cpe_restore   (or drop and recreate the production one, services stopped)
#   sudo -u cpe ENV_FILE=/etc/cpe/restore.env /srv/cpe/deploy/restore.sh cpe-….dump cpe-files-….tar.gz
# Reads CPE_DATABASE_URL (the target) from ENV_FILE; SHARED_DIR defaults to /srv/cpe/shared.
# Then check it: cpe-admin check --deploy (migrated to the latest revision) and cpe-admin audit verify.
set -eu
dump=${1:?usage: restore.sh DUMP FILES_TAR_GZ}
files=${2:?usage: restore.sh DUMP FILES_TAR_GZ}
set -a
. "${ENV_FILE:-/etc/cpe/cpe.env}"
set +a
shared=${SHARED_DIR:-/srv/cpe/shared}
url=$(printf '%s' "$CPE_DATABASE_URL" | sed 's/^postgresql+[a-z0-9]*:/postgresql:/')
pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --dbname "$url" "$dump"
mkdir -p "$shared"
tar -C "$shared" -xzf "$files"
echo "restored $dump and $files"
