//! New ids. Within one process they are strictly increasing even inside one millisecond, so
//! lists sorted by id follow creation order.

use std::sync::{Mutex, PoisonError};
use ulid::{Generator, Ulid};

static GENERATOR: Mutex<Option<Generator>> = Mutex::new(None);

pub fn new_ulid() -> Ulid {
    let mut guard = GENERATOR.lock().unwrap_or_else(PoisonError::into_inner);
    let generator = guard.get_or_insert_with(Generator::new);
    // Overflow needs 2^80 ids in one millisecond; fall back to a fresh random one.
    generator.generate().unwrap_or_else(|_| Ulid::generate())
}
