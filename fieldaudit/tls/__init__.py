"""HTTPS on a site server: the plant-local certificate authority (`certs`) and TLS serving (`server`, cheroot)."""
