//! Rows in PostgreSQL's binary `COPY` format (`COPY … FROM STDIN (FORMAT binary)`): each
//! field in the server's own binary representation, so loading them parses nothing.
//! Written in parts, to be sent while the next part is made.

/// The signature, flags and header-extension length that open the data.
const HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";
/// The field count that closes the data.
const TRAILER: i16 = -1;

/// One part of the data: the first carries the header, the last the trailer.
pub(crate) struct BinaryRows {
    out: Vec<u8>,
}

impl BinaryRows {
    pub fn new(first: bool) -> Self {
        let mut out = Vec::with_capacity(1 << 20);
        if first {
            out.extend_from_slice(HEADER);
        }
        Self { out }
    }

    /// Starts a row of `fields` fields.
    pub fn row(&mut self, fields: i16) {
        self.out.extend_from_slice(&fields.to_be_bytes());
    }

    pub fn bytes(&mut self, value: &[u8]) {
        self.out
            .extend_from_slice(&(value.len() as i32).to_be_bytes());
        self.out.extend_from_slice(value);
    }

    pub fn null(&mut self) {
        self.out.extend_from_slice(&(-1i32).to_be_bytes());
    }

    /// A field whose bytes `write` appends (its length is filled in after).
    pub fn written(&mut self, write: impl FnOnce(&mut Vec<u8>)) {
        let at = self.out.len();
        self.out.extend_from_slice(&[0; 4]);
        write(&mut self.out);
        let len = (self.out.len() - at - 4) as i32;
        self.out[at..at + 4].copy_from_slice(&len.to_be_bytes());
    }

    /// The part's bytes; the last part ends the data.
    pub fn finish(mut self, last: bool) -> Vec<u8> {
        if last {
            self.out.extend_from_slice(&TRAILER.to_be_bytes());
        }
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_framed_as_postgres_reads_them() {
        let mut rows = BinaryRows::new(true);
        rows.row(3);
        rows.bytes(&7i32.to_be_bytes());
        rows.null();
        rows.written(|out| out.extend_from_slice(b"ab"));
        let data = rows.finish(true);
        let (header, rest) = data.split_at(HEADER.len());
        assert_eq!(header, b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0");
        #[rustfmt::skip]
        let expected = [
            0, 3,                   // three fields
            0, 0, 0, 4, 0, 0, 0, 7, // int4 7
            0xff, 0xff, 0xff, 0xff, // NULL
            0, 0, 0, 2, b'a', b'b', // two bytes
            0xff, 0xff,             // the end
        ];
        assert_eq!(rest, expected);
    }
}
