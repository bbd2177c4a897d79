//! Pieces the pages share. Nothing here imports a page.

pub mod channel;
pub mod client_picker;
pub mod coach_picker;
pub mod company_select;
pub mod conversation;
pub mod field;
pub mod new_message;
pub mod notify;
pub mod rich;
pub mod staff_shell;
