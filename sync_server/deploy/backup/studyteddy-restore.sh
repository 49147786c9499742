#!/bin/sh
# Restore a dump made by studyteddy-backup.sh into the server's (new, empty) database.
#
# Run it with the API and the worker stopped, after prepare-restore.sql has set the old
# database aside and made an empty one (see ADMIN_GUIDE.md, "Restoring a backup").
#   studyteddy-restore.sh /var/backups/studyteddy/studyteddy-20260901T021500Z.dump
set -eu

dump="${1:?usage: studyteddy-restore.sh DUMP_FILE}"
: "${STUDYTEDDY_SERVER_DATABASE_URL:?is not set: give the restore the server's EnvironmentFile}"
database_url="postgresql${STUDYTEDDY_SERVER_DATABASE_URL#postgresql+psycopg}"

contents="$(mktemp)"
trap 'rm -f "$contents" "$contents.wanted"' EXIT
# A file that is not a dump of ours stops here, before any change; one cut short fails below.
pg_restore --list "$dump" > "$contents"
# The vector extension belongs to the superuser who made it (create-database.sql); the server's
# role may neither create it nor comment on it, so those two entries stay out.
grep -v -e ' EXTENSION - vector' -e ' COMMENT - EXTENSION vector' "$contents" > "$contents.wanted"
# One transaction: a restore that fails half-way leaves the new database empty, never half full.
pg_restore --no-owner --exit-on-error --single-transaction --use-list="$contents.wanted" \
    --dbname="$database_url" "$dump"
echo "Restored $dump. Next: studyteddy-server migrate, then start the API and the worker."
