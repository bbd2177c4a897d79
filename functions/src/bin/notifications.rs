//! The `notifications` function: serves the notifications area of the HTTP API (each person's
//! notification settings, what notifies them of each conversation, their browsers registered
//! for pushes, their bell), and consumes the table's stream: who is told of each new message,
//! and how (`domain::notifier`).

use sideline_functions::domain::now;
use sideline_functions::store::changes::Committed;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    sideline_functions::lambda::serve_area_and_stream(
        sideline_functions::http::notifications::routes,
        |state, change| async move {
            let committed = Committed::decode(&change)?;
            Ok(state.notifier.on_change(&committed, now()).await?)
        },
    )
    .await
}
