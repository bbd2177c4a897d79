//! What the staff app adds to a conversation: a client's messaging mode and a group's
//! announcement-only switch in its menu, and adding people to a group. The client app has none
//! of it.

use crate::components::client_picker::{ClientPicker, toggle};
use crate::components::conversation::header::menu_item;
use crate::components::conversation::{
    AddArgs, ChannelArgs, MenuArgs, SavedArgs, Tools, seat_and_room,
};
use crate::hooks::use_session;
use crate::reducers::Permission;
use crate::services::api;
use shared::UserId;
use shared::api::{SetMemberRequest, UpdateConversationRequest};
use shared::model::{GroupRole, MessagingMode, Role};
use shared::rules::{Action, allowed};
use shared::templates::{Placeholders, fill, first_name};
use yew::prelude::*;

/// The staff app's tools for a conversation view.
pub fn staff_tools() -> Tools {
    Tools {
        folders: Callback::from(|selected| {
            html! { <crate::components::notify::NeedsAttention {selected} /> }
        }),
        menu: Callback::from(|args: MenuArgs| html! { <StaffMenu {args} /> }),
        add_members: Callback::from(|args: AddArgs| html! { <AddMembers {args} /> }),
        scheduled: Callback::from(|(conversation, newest)| {
            html! { <crate::pages::scheduled::ScheduledPanel {conversation} {newest} /> }
        }),
        vault: Callback::from(|to_draft| {
            html! { <crate::pages::vault::VaultPicker {to_draft} /> }
        }),
        channel: Callback::from(|args: ChannelArgs| {
            html! {
                <crate::components::channel::ChannelBar key={args.conversation.to_string()}
                    client={args.client} draft={args.draft} replace={args.replace} chosen={args.chosen} />
            }
        }),
        saved: Callback::from(|args: SavedArgs| {
            wasm_bindgen_futures::spawn_local(async move {
                let Ok(list) = api::templates().await else {
                    return;
                };
                // The placeholders filled for the conversation, from the one sending.
                let with = Placeholders {
                    client_first_name: args.client.as_deref().map(first_name),
                    coach_name: Some(&args.me),
                    business_name: Some(&args.business),
                };
                let filled = list.into_iter().map(|t| (t.name, fill(&t.body, &with)));
                args.done.emit(filled.collect());
            });
        }),
    }
}

#[derive(Properties, PartialEq)]
struct MenuProps {
    args: MenuArgs,
}

#[component]
fn StaffMenu(props: &MenuProps) -> Html {
    let session = use_session();
    let role = session.current().map_or(Role::Client, |s| s.user.role);
    let args = &props.args;
    let summary = &args.summary;
    let mut items = Vec::new();
    if let (Some(current), Some(client)) = (args.permission.messaging, summary.client_id)
        && shared::rules::can_manage_business(role).is_ok()
    {
        for (mode, label) in [
            (MessagingMode::OneWay, "One-way messaging"),
            (MessagingMode::TwoWay, "Two-way messaging"),
        ] {
            let (close, changed, failed) = (
                args.close.clone(),
                args.changed.clone(),
                args.failed.clone(),
            );
            let onclick = Callback::from(move |_| {
                close.emit(());
                if mode == current {
                    return;
                }
                let (changed, failed) = (changed.clone(), failed.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    match api::set_messaging(client, mode).await {
                        // Staff post in a private conversation whatever its mode, while
                        // its client is active.
                        Ok(client) => changed.emit(Permission {
                            can_post: client.active,
                            messaging: Some(client.messaging),
                            announcement_only: false,
                            client_active: client.active,
                        }),
                        Err(e) => failed.emit(e.message),
                    }
                });
            });
            items.push(menu_item(Some(mode == current), label, onclick));
        }
    }
    let (seat, room) = seat_and_room(summary, role, args.permission);
    if summary.kind.is_group() && allowed(Action::ChangeSettings, seat, room).is_ok() {
        let on = args.permission.announcement_only;
        let (id, close, changed, failed) = (
            summary.id,
            args.close.clone(),
            args.changed.clone(),
            args.failed.clone(),
        );
        let onclick = Callback::from(move |_| {
            close.emit(());
            let req = UpdateConversationRequest {
                announcement_only: Some(!on),
                ..Default::default()
            };
            let (changed, failed) = (changed.clone(), failed.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::update_conversation(id, &req).await {
                    Ok(s) => changed.emit(Permission {
                        can_post: s.can_post,
                        messaging: s.messaging,
                        announcement_only: s.announcement_only,
                        client_active: s.client_active,
                    }),
                    Err(e) => failed.emit(e.message),
                }
            });
        });
        items.push(menu_item(Some(on), "Announcement only", onclick));
    }
    html! { <>{ for items }</> }
}

#[derive(Properties, PartialEq)]
struct AddProps {
    args: AddArgs,
}

/// Adding clients of the business to a group.
#[component]
fn AddMembers(props: &AddProps) -> Html {
    let adding = use_state(|| false);
    let chosen = use_state(Vec::<UserId>::new);
    let error = use_state(|| None::<String>);
    let args = &props.args;
    let open = {
        let adding = adding.clone();
        Callback::from(move |_| adding.set(!*adding))
    };
    let add = {
        let (chosen, adding, error) = (chosen.clone(), adding.clone(), error.clone());
        let (id, added) = (args.summary.id, args.added.clone());
        Callback::from(move |_| {
            let people = (*chosen).clone();
            let (added, error) = (added.clone(), error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let req = SetMemberRequest {
                    role: GroupRole::Member,
                    can_post: None,
                };
                for user in people {
                    match api::set_member(id, user, &req).await {
                        Ok(list) => added.emit(list),
                        Err(e) => {
                            error.set(Some(e.message));
                            return;
                        }
                    }
                }
            });
            chosen.set(Vec::new());
            adding.set(false);
        })
    };
    html! {
        <>
            <div class="actions">
                <button class="ghost" onclick={open}>{ "Add people" }</button>
            </div>
            <crate::components::field::FormError error={(*error).clone()} />
            if *adding {
                <ClientPicker chosen={(*chosen).clone()} except={args.members.clone()} ontoggle={toggle(&chosen)} company={args.summary.company_id} />
                <div class="actions">
                    <button class="primary" onclick={add} disabled={chosen.is_empty()}>{ format!("Add {}", chosen.len()) }</button>
                </div>
            }
        </>
    }
}
