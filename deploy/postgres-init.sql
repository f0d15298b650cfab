-- The Prefect server's own database beside casegrid's (docker-compose's postgres runs this on first start).
CREATE DATABASE prefect;
