-- The hub's canonical store lives beside Airflow's metadata, in its own database.
CREATE DATABASE channelhub;
