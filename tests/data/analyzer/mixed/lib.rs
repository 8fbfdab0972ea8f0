/// A counter.
pub struct Counter {
    pub value: u32,
}

impl Counter {
    /// Increment by one.
    pub fn bump(&mut self) -> u32 {
        self.value += 1;
        self.value
    }
}
