-- Set the sync server's database aside as <db>_before_restore and make an empty one in its place.
-- Run as a PostgreSQL superuser with the API and the worker stopped:
--   psql -v ON_ERROR_STOP=1 -v db=studyteddy -v owner=studyteddy -f prepare-restore.sql
-- Nothing is deleted: once the restored server is checked, DROP DATABASE studyteddy_before_restore.
\set kept :db _before_restore
-- Connections left over (a replica still stopping, a psql session) would block the rename.
SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :'db' AND pid <> pg_backend_pid();
ALTER DATABASE :"db" RENAME TO :"kept";
\ir create-database.sql
