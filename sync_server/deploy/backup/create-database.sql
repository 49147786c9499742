-- An empty database for the sync server, owned by its (non-superuser) role, with pgvector.
-- Run as a PostgreSQL superuser; the role must exist (createuser --pwprompt studyteddy):
--   psql -v ON_ERROR_STOP=1 -v db=studyteddy -v owner=studyteddy -f create-database.sql
-- The extension is made here because only a superuser may create it; the schema's first
-- migration then finds it in place.
CREATE DATABASE :"db" OWNER :"owner";
\connect :"db"
CREATE EXTENSION IF NOT EXISTS vector;
