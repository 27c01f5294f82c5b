//! Z85 encoding (ZeroMQ RFC 32) (being written).
