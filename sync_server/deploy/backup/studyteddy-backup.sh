#!/bin/sh
# Dump the sync server's database to one file, then delete dumps older than the retention.
#
# Reads the server's own STUDYTEDDY_SERVER_DATABASE_URL (the systemd timer passes the same
# EnvironmentFile as the server), so the dump always comes from the database the server uses.
#   STUDYTEDDY_BACKUP_DIR        where dumps go (default /var/backups/studyteddy)
#   STUDYTEDDY_BACKUP_KEEP_DAYS  dumps older than this many days are deleted (default 14)
set -eu

: "${STUDYTEDDY_SERVER_DATABASE_URL:?is not set: give the backup the server's EnvironmentFile}"
backup_dir="${STUDYTEDDY_BACKUP_DIR:-/var/backups/studyteddy}"
keep_days="${STUDYTEDDY_BACKUP_KEEP_DAYS:-14}"
# The server's URL names its Python driver; libpq wants the plain scheme.
database_url="postgresql${STUDYTEDDY_SERVER_DATABASE_URL#postgresql+psycopg}"

# Dumps hold every student's data: readable by the backup's owner only.
umask 077
mkdir -p "$backup_dir"
target="$backup_dir/studyteddy-$(date -u +%Y%m%dT%H%M%SZ).dump"

# Custom format: one consistent snapshot, compressed, restorable table by table. Written under a
# temporary name so a dump cut short (disk full, killed) is never mistaken for a good one.
pg_dump --format=custom --compress=6 --file="$target.partial" --dbname="$database_url"
mv "$target.partial" "$target"
echo "Backed up to $target ($(du -h "$target" | cut -f1))"

find "$backup_dir" -maxdepth 1 -name 'studyteddy-*.dump' -mtime +"$keep_days" -print -delete
