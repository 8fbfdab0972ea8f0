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

/// Things with a name.
pub trait Named {
    /// The name.
    fn name(&self) -> String;
}

#[derive(Debug, Default, Clone)]
/// A labelled counter.
#[must_use]
pub struct Labelled {
    pub label: String,
}

impl Named for Labelled {
    fn name(&self) -> String {
        self.label.clone()
    }
}
