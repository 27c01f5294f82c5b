//! Socket options: the table of every libzmq 4.3.5 option (being written).
