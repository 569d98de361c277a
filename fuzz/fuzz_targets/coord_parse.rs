//! Fuzz the coordination file reader: any bytes are read without a panic, by the whole-text
//! reader and by the streaming reader feeding the rules and the lint; the parallel reader
//! behind `atlas inbox` gives the same board as the streaming one; and every entry read
//! renders back to itself.

#![no_main]

use atlas::coord::{self, Board, Event, Lint, Reader, render};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let parsed = coord::parse::parse_bytes(data);
    let mut board = Board::new("human");
    let mut lint = Lint::new(None);
    let _ = Reader::new(data).warnings(true).visit(|ev| {
        lint.event(&ev);
        if let Event::Entry(e) = ev {
            board.add_view(e);
        }
    });
    let _ = board.needs_attention();
    let _ = board.inbox_counts();
    // Small windows and several threads, so that the input is cut in many places.
    let window = 16 + usize::from(data.first().copied().unwrap_or(0));
    let fast = coord::fast::read_board_with(data, "human", window, 3, 0).unwrap();
    assert_eq!(fast.entries(), board.entries());
    assert_eq!(fast.snapshot(), board.snapshot());
    for e in &parsed.entries {
        let again = coord::parse_str(&render(e));
        assert_eq!(again.entries.len(), 1);
        let mut got = again.entries[0].clone();
        got.line = e.line;
        assert_eq!(&got, e);
    }
});
