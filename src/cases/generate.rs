//! Fictional cases for the demo ward: one at every step of the process, some past their
//! deadlines, two just received (their clocks running from the moment the demo is loaded), with
//! referrals and approval decisions issued through the register; three injuries, one a death
//! with its urgent report issued; two checks of child labour. Written through the same
//! functions the window calls, so they obey every rule a real record does.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::*;
use crate::documents::register;

/// How many cases the demo holds.
pub const DEMO_CASES: usize = 7;

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> String {
    format!("{d:02}/{m:02}/{y} {h:02}:{min:02}")
}

fn typed(t: DateTime<Utc>) -> String {
    crate::vietnam_time(t).format("%d/%m/%Y %H:%M").to_string()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

macro_rules! step {
    ($kind:ident, $case:expr, $done_at:expr, $details:expr) => {
        $kind { case_id: $case.to_owned(), done_at: $done_at, details: $details }
    };
}

/// Adds the demo's cases to a demo ward that has none; returns how many were added (0 when the
/// ward already has cases). Their ids follow from the order they are written in, so two
/// laptops loading the demo hold the same records.
pub async fn add_demo(store: &Store, actor: &Actor) -> Result<usize> {
    actor.require(Need::EditCases)?;
    crate::store::with_seeded_ids("demo-cases", add_demo_seeded(store, actor)).await
}

async fn add_demo_seeded(store: &Store, actor: &Actor) -> Result<usize> {
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cases").fetch_one(store.pool()).await?;
    if existing > 0 {
        return Ok(0);
    }
    // Children of school age in 2024, still under 16 today.
    let children: Vec<String> = sqlx::query_scalar("SELECT id FROM children WHERE deleted_at IS NULL AND birth_year BETWEEN 2012 AND 2018 ORDER BY id LIMIT ?")
        .bind(DEMO_CASES as i64 + 3)
        .fetch_all(store.pool())
        .await?;
    if children.len() < DEMO_CASES + 3 {
        return Err(InvalidInput::new("children", "Sổ trẻ em của phường mẫu chưa đủ trẻ để tạo vụ việc mẫu.").into());
    }
    let units: Vec<(String, String)> = sqlx::query_as("SELECT id, name FROM units WHERE deleted_at IS NULL ORDER BY name").fetch_all(store.pool()).await?;
    let unit = |name: &str| units.iter().find(|(_, n)| n.contains(name)).map(|(id, _)| id.clone());
    let now = Utc::now();
    let src = Source::Import;
    let receive_one = |child: &str, when: String, channel, abuse_type, setting, place: &str, account: &str| ReceiveInput {
        child_id: Some(child.to_owned()),
        new_child: None,
        received_at: when,
        channel,
        abuse_type,
        setting,
        place: place.to_owned(),
        account: account.to_owned(),
        taken: "Ghi nhận thông tin, báo cáo lãnh đạo UBND phường.".to_owned(),
        informant_consents: false,
        informant: None,
    };
    let initial = |risk, serious: bool, emergency_at: String| InitialInput {
        risk,
        serious_harm: serious,
        findings: "Trẻ có vết bầm ở tay; trẻ sợ hãi khi nhắc đến người gây hại. Người chăm sóc hợp tác.".to_owned(),
        emergency_measures: if serious { "Đưa trẻ đến Trạm Y tế khám; tạm thời đưa trẻ đến ở với bà ngoại.".to_owned() } else { String::new() },
        emergency_at,
    };
    let detailed = |meeting: NaiveDate| DetailedInput {
        physical: "Sức khỏe ổn định, vết thương đã được chăm sóc.".to_owned(),
        psychological: "Trẻ còn lo âu, ngủ không ngon; cần tư vấn tâm lý.".to_owned(),
        family: "Gia đình khó khăn, cha thường xuyên uống rượu.".to_owned(),
        caregivers: "Mẹ có khả năng chăm sóc nếu được hỗ trợ.".to_owned(),
        needs: "Được an toàn tại gia đình; tư vấn tâm lý; hỗ trợ học tập.".to_owned(),
        meeting_on: crate::text::format_date(meeting),
        meeting_participants: "Công chức Văn hóa - Xã hội, Công an phường, Trạm Y tế, nhà trường, mẹ của trẻ.".to_owned(),
        meeting_conclusions: "Thống nhất lập kế hoạch hỗ trợ, can thiệp trong 5 ngày làm việc.".to_owned(),
    };
    let plan_of = |actions: Vec<(&str, Option<String>, NaiveDate)>| PlanInput {
        goals: "Bảo đảm an toàn cho trẻ; phục hồi tâm lý; gia đình không để tái diễn.".to_owned(),
        actions: actions
            .into_iter()
            .map(|(a, u, d)| ActionInput { action: a.to_owned(), unit_id: u, due_on: crate::text::format_date(d) })
            .collect(),
    };
    let review_of = |outcome| Review {
        remaining_harm: Risk::Low,
        abuser_access: if outcome == ReviewOutcome::Close { Risk::Low } else { Risk::Medium },
        care_obstacles: Risk::Low,
        recovery: "Trẻ đi học đều, vui vẻ hơn; gia đình hợp tác.".to_owned(),
        outcome,
        note: String::new(),
    };
    let police = unit("Công an");
    let health = unit("Y tế");
    let women = unit("Phụ nữ");

    // 1. Closed: the whole process in the spring of 2024.
    let c = receive(store, actor, src, &receive_one(&children[0], at(2024, 3, 4, 9, 15), Channel::Hotline111, AbuseType::Violence, Setting::Family, "Tại nhà", "Tổng đài 111 chuyển thông tin trẻ bị cha đánh nhiều lần."), now).await?;
    assess(store, actor, src, &step!(InitialStep, c.id, at(2024, 3, 4, 15, 0), initial(Risk::Medium, false, String::new())), now).await?;
    assess_in_detail(store, actor, src, &step!(DetailedStep, c.id, at(2024, 3, 6, 14, 0), detailed(day(2024, 3, 6))), now).await?;
    plan(store, actor, src, &step!(PlanStep, c.id, at(2024, 3, 8, 10, 0), plan_of(vec![
        ("Tư vấn tâm lý cho trẻ", health.clone(), day(2024, 3, 29)),
        ("Nhắc nhở, giáo dục người cha", police.clone(), day(2024, 3, 22)),
    ])), now).await?;
    let d = register::create_case_decision(store, actor, src, &c.id).await?;
    register::issue(store, actor, src, &d.id, day(2024, 3, 11), None).await?;
    let page = page_in(store, &c.id, now).await?;
    for a in &page.actions {
        action_done(store, actor, src, &ActionDoneInput { id: a.id.clone(), done_on: crate::text::format_date(a.due_on - Duration::days(2)), result: "Đã thực hiện.".to_owned() }, crate::today_in_vietnam()).await?;
    }
    follow_up(store, actor, src, &step!(FollowUpStep, c.id, at(2024, 4, 10, 9, 0), FollowUp { note: "Thăm gia đình: trẻ an toàn, người cha đã thay đổi.".to_owned() }), now).await?;
    review(store, actor, src, &step!(ReviewStep, c.id, at(2024, 5, 20, 9, 0), review_of(ReviewOutcome::Close)), now).await?;

    // 2. Approved and carried out, one action past its date.
    let c = receive(store, actor, src, &receive_one(&children[1], at(2024, 9, 16, 10, 0), Channel::School, AbuseType::Neglect, Setting::Family, "Tổ dân phố 2", "Nhà trường báo trẻ nghỉ học nhiều ngày, thường ở nhà một mình."), now).await?;
    assess(store, actor, src, &step!(InitialStep, c.id, at(2024, 9, 16, 16, 30), initial(Risk::Medium, false, String::new())), now).await?;
    assess_in_detail(store, actor, src, &step!(DetailedStep, c.id, at(2024, 9, 18, 9, 0), detailed(day(2024, 9, 18))), now).await?;
    plan(store, actor, src, &step!(PlanStep, c.id, at(2024, 9, 20, 15, 0), plan_of(vec![
        ("Vận động trẻ đi học trở lại", women.clone(), day(2024, 10, 31)),
        ("Hỗ trợ gia đình vay vốn sinh kế", women.clone(), day(2024, 12, 15)),
    ])), now).await?;
    let d = register::create_case_decision(store, actor, src, &c.id).await?;
    register::issue(store, actor, src, &d.id, day(2024, 9, 24), None).await?;
    refer(store, actor, src, &ReferralInput { case_id: c.id.clone(), referred_to: ReferredTo::SocialWorkCentre, referred_on: "25/09/2024".into(), reason: "Tư vấn tâm lý chuyên sâu cho trẻ.".into() }, crate::today_in_vietnam()).await?;
    follow_up(store, actor, src, &step!(FollowUpStep, c.id, at(2024, 10, 15, 9, 0), FollowUp { note: "Trẻ đã đi học lại 3 buổi mỗi tuần.".to_owned() }), now).await?;

    // 3. Planned, waiting for the Chairman's decision (drafted, not issued).
    let c = receive(store, actor, src, &receive_one(&children[2], at(2024, 11, 25, 8, 0), Channel::Neighbour, AbuseType::Exploitation, Setting::Community, "Quán ăn trên đường Phan Bội Châu", "Người dân báo trẻ phải rửa bát thuê đến khuya."), now).await?;
    assess(store, actor, src, &step!(InitialStep, c.id, at(2024, 11, 25, 14, 0), initial(Risk::Low, false, String::new())), now).await?;
    assess_in_detail(store, actor, src, &step!(DetailedStep, c.id, at(2024, 11, 27, 9, 0), detailed(day(2024, 11, 27))), now).await?;
    plan(store, actor, src, &step!(PlanStep, c.id, at(2024, 11, 29, 10, 0), plan_of(vec![("Làm việc với chủ quán về lao động trẻ em", police.clone(), day(2024, 12, 13))])), now).await?;
    register::create_case_decision(store, actor, src, &c.id).await?;

    // 4. Assessed in detail; the plan is past its 5 working days.
    let c = receive(store, actor, src, &receive_one(&children[3], at(2024, 12, 9, 8, 30), Channel::School, AbuseType::Violence, Setting::School, "Trường THCS", "Trẻ bị nhóm bạn đánh, quay video đăng lên mạng."), now).await?;
    assess(store, actor, src, &step!(InitialStep, c.id, at(2024, 12, 9, 11, 0), initial(Risk::High, true, at(2024, 12, 9, 10, 30))), now).await?;
    assess_in_detail(store, actor, src, &step!(DetailedStep, c.id, at(2024, 12, 11, 9, 0), detailed(day(2024, 12, 11))), now).await?;
    refer(store, actor, src, &ReferralInput { case_id: c.id.clone(), referred_to: ReferredTo::Police, referred_on: "10/12/2024".into(), reason: "Xác minh, xử lý hành vi đánh người và đăng video.".into() }, crate::today_in_vietnam()).await?;

    // 5. A new cycle after a review: assessed again, its plan past due.
    let c = receive(store, actor, src, &receive_one(&children[4], at(2024, 6, 3, 9, 0), Channel::HealthStation, AbuseType::Violence, Setting::Family, "Tại nhà", "Trạm Y tế phát hiện trẻ bị thương khi khám."), now).await?;
    assess(store, actor, src, &step!(InitialStep, c.id, at(2024, 6, 3, 14, 0), initial(Risk::High, true, at(2024, 6, 3, 13, 0))), now).await?;
    assess_in_detail(store, actor, src, &step!(DetailedStep, c.id, at(2024, 6, 5, 9, 0), detailed(day(2024, 6, 5))), now).await?;
    plan(store, actor, src, &step!(PlanStep, c.id, at(2024, 6, 7, 9, 0), plan_of(vec![("Theo dõi an toàn của trẻ hằng tuần", women.clone(), day(2024, 7, 31))])), now).await?;
    let d = register::create_case_decision(store, actor, src, &c.id).await?;
    register::issue(store, actor, src, &d.id, day(2024, 6, 10), None).await?;
    review(store, actor, src, &step!(ReviewStep, c.id, at(2024, 8, 15, 9, 0), review_of(ReviewOutcome::NewCycle)), now).await?;
    assess_in_detail(store, actor, src, &step!(DetailedStep, c.id, at(2024, 8, 20, 9, 0), detailed(day(2024, 8, 20))), now).await?;

    // 6. Received three hours ago: the initial assessment is due within the day.
    receive(store, actor, src, &receive_one(&children[5], typed(now - Duration::hours(3)), Channel::InPerson, AbuseType::Neglect, Setting::Family, "Tổ dân phố 3", "Bà nội đến báo trẻ thường xuyên bị bỏ đói."), now).await?;

    // 7. Received yesterday, assessed at once with emergency measures: the plan is due in 5 working days.
    let when = now - Duration::days(1);
    let c = receive(store, actor, src, &receive_one(&children[6], typed(when), Channel::Police, AbuseType::SexualAbuse, Setting::Community, "Tổ dân phố 4", "Công an phường chuyển thông tin trẻ bị xâm hại."), now).await?;
    assess(store, actor, src, &step!(InitialStep, c.id, typed(when + Duration::hours(2)), initial(Risk::High, true, typed(when + Duration::hours(1)))), now).await?;

    add_injuries_and_checks(store, actor, &children[DEMO_CASES..], &units).await?;
    Ok(DEMO_CASES)
}

async fn add_injuries_and_checks(store: &Store, actor: &Actor, children: &[String], units: &[(String, String)]) -> Result<()> {
    use crate::injuries::{self, Cause, InjuryInput, Outcome};
    use crate::labour::{self, ChildAtWork, CheckInput, PlaceKind};
    let src = Source::Import;
    let today = crate::today_in_vietnam();
    let injury = |child: &str, on: &str, place: &str, cause, outcome, description: &str, actions: &str| InjuryInput {
        child_id: Some(child.to_owned()),
        new_child: None,
        occurred_on: on.to_owned(),
        place: place.to_owned(),
        cause,
        outcome,
        description: description.to_owned(),
        actions: actions.to_owned(),
    };
    let died = injuries::record(store, actor, src, &injury(&children[0], "15/06/2024", "Hồ sen, tổ dân phố 4", Cause::Drowning, Outcome::Died,
        "Trẻ cùng bạn ra hồ tắm, bị trượt chân xuống chỗ nước sâu; người dân phát hiện và đưa vào bờ nhưng trẻ đã tử vong.",
        "Lãnh đạo UBND phường và Hội Liên hiệp Phụ nữ đến thăm hỏi, hỗ trợ gia đình; cắm biển cảnh báo nguy hiểm quanh hồ."), today).await?;
    let report = register::create_injury_report(store, actor, src, &died.id).await?;
    register::issue(store, actor, src, &report.id, day(2024, 6, 16), None).await?;
    injuries::record(store, actor, src, &injury(&children[1], "02/09/2024", "Đường Hùng Vương", Cause::Traffic, Outcome::Injured,
        "Trẻ đi xe đạp va chạm với xe máy, bị gãy tay.", "Trạm Y tế sơ cứu, chuyển bệnh viện tỉnh."), today).await?;
    injuries::record(store, actor, src, &injury(&children[2], "10/10/2024", "Tại nhà", Cause::Burn, Outcome::Injured,
        "Trẻ bị bỏng nước sôi ở chân khi chơi trong bếp.", "Gia đình đưa trẻ đến Trạm Y tế; cộng tác viên hướng dẫn phòng tránh bỏng."), today).await?;
    let team: Vec<String> = units.iter().filter(|(_, n)| n.contains("Công an") || n.contains("Văn hóa")).map(|(id, _)| id.clone()).collect();
    let check = |on: &str, kind, place: &str, found: Vec<ChildAtWork>, findings: &str, required: &str| CheckInput {
        checked_on: on.to_owned(),
        kind,
        place: place.to_owned(),
        team_units: team.clone(),
        team_people: "Công chức Văn hóa - Xã hội, Công an phường, tổ trưởng tổ dân phố.".to_owned(),
        found,
        findings: findings.to_owned(),
        required: required.to_owned(),
        follow_up: String::new(),
        follow_up_on: String::new(),
    };
    labour::record(store, actor, src, &check("20/06/2024", PlaceKind::Business, "Quán ăn Hương Quê, đường Phan Bội Châu",
        vec![ChildAtWork { name: "Nguyễn Văn Tín".into(), age: 14, work: "Rửa bát, phục vụ bàn".into(), conditions: "Làm từ 17 giờ đến 22 giờ, 6 buổi mỗi tuần".into() }],
        "Cơ sở sử dụng 01 người chưa đủ 15 tuổi làm việc buổi tối, quá thời giờ cho phép.",
        "Chấm dứt việc sử dụng trẻ làm việc buổi tối; cam kết không tái phạm."), today).await?;
    labour::record(store, actor, src, &check("15/11/2024", PlaceKind::Household, "Hộ kinh doanh bánh tráng, tổ dân phố 3", vec![],
        "Không phát hiện trẻ em lao động trái quy định.", ""), today).await?;
    Ok(())
}
