"""The policy profile of a ledger and what its rules say about the enterprises.

A county chooses one of the shipped profiles (resources/policies/*.json); the choice is a
policy_profiles record that syncs to the townships. The rules only ever *suggest*: nothing
here moves an enterprise between pools. Results are the types of domain.policy_results.

This file is the package's public face and holds no code. The modules depend one way only:

    profiles, facts                         (no module of this package)
    records      → profiles
    targets      → profiles
    evaluation   → profiles, targets, facts
    evaluation_store → profiles, evaluation, facts (the evaluations stored in the ledger;
                   imported as services.policy.evaluation_store)
    reward_lines → profiles, facts
    summary      → profiles
    calendar     → profiles, evaluation
    monitoring   → profiles, evaluation          (月监测、季对标; imported as services.policy.monitoring)
    pool_board   → profiles, evaluation, targets (the 培育库 page; imported as services.policy.pool_board)
    key_projects                            (重点项目库 for the page; imported as services.policy.key_projects)
"""

from .calendar import calendar_reminders, entry_checklist, set_checklist_item, update_entry_checklist
from .evaluation import evaluate
from .facts import gather_facts
from .profiles import (ProfileParameter, active_profile, active_profile_row, apply_profile_targets, choose_profile,
                       copy_profile, edit_profile, edit_profile_parameters, list_profiles, load_file,
                       original_profile, parameter_changes, parse_parameter, profile_parameters,
                       profiles_in_ledger, shipped_profiles)
from .records import (add_claim_by_credit_code, add_milestone, add_project, add_project_by_credit_code,
                      add_reward_claim, complete_milestone, list_claims, list_projects, list_scale_periods,
                      record_scale_period, set_claim_status, update_project)
from .reward_lines import rewards
from .summary import describe_profile, describe_text, profile_changes, year_targets_from_profile
from .targets import pool_sizing, set_target, target_progress, target_sets, year_target

__all__ = [
    "ProfileParameter", "edit_profile_parameters", "original_profile", "parameter_changes",
    "parse_parameter", "profile_parameters",
    "active_profile", "active_profile_row", "add_claim_by_credit_code", "add_milestone", "add_project",
    "add_project_by_credit_code", "add_reward_claim", "apply_profile_targets", "complete_milestone",
    "list_claims", "list_projects", "list_scale_periods", "set_claim_status", "update_project",
    "calendar_reminders", "choose_profile", "copy_profile", "describe_profile", "describe_text", "edit_profile",
    "entry_checklist", "evaluate", "gather_facts", "list_profiles", "load_file", "pool_sizing", "profile_changes",
    "profiles_in_ledger", "record_scale_period", "rewards", "set_checklist_item", "set_target", "shipped_profiles",
    "target_progress", "target_sets", "update_entry_checklist", "year_target", "year_targets_from_profile",
]
