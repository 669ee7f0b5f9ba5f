# bash completion for runnerguard(8)                       -*- shell-script -*-
# Installed as /usr/share/bash-completion/completions/runnerguard.
#
# Check ids are asked of runnerguard itself (`runnerguard checks`) the first
# time one is completed in a shell, so they follow the installed catalogue;
# the answer is kept for the rest of the session.

_runnerguard_check_ids()
{
    if [[ -z ${_runnerguard_ids-} ]]; then
        _runnerguard_ids=$("$1" checks 2>/dev/null | while read -r id _; do
            [[ $id == RG-* ]] && printf '%s ' "$id"
        done)
    fi
    printf '%s' "$_runnerguard_ids"
}

# Completes an ID[,ID...] list: the ids after the last comma.
_runnerguard_id_list()
{
    local cur=$2 head=
    [[ $cur == *,* ]] && head=${cur%,*},
    local IFS=$'\n'
    COMPREPLY=($(compgen -P "$head" -W "$(_runnerguard_check_ids "$1" | tr ' ' '\n')" -- "${cur##*,}"))
    [[ ${#COMPREPLY[@]} -gt 0 ]] && compopt -o nospace 2>/dev/null
    return 0
}

_runnerguard()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=
    [[ $COMP_CWORD -gt 0 ]] && prev=${COMP_WORDS[COMP_CWORD-1]}
    local cmd=${COMP_WORDS[0]} sub= i
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
            --root | --config | --only | --skip | --format | --output | --fail-on) ((i++)) ;;
            -*) ;;
            *) sub=${COMP_WORDS[i]}; break ;;
        esac
    done
    COMPREPLY=()

    local commands='audit checks explain config run deliver fix rollback daemon help --version --help'
    if [[ -z $sub ]]; then
        COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        return 0
    fi

    # The value of the option before the cursor.
    case $prev in
        --root)
            COMPREPLY=($(compgen -d -- "$cur")); return 0 ;;
        --config | --output)
            COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;
        --only | --skip)
            _runnerguard_id_list "$cmd" "$cur"; return 0 ;;
        --fail-on)
            COMPREPLY=($(compgen -W 'critical high medium low info' -- "$cur")); return 0 ;;
        --format)
            if [[ $sub == checks ]]; then
                COMPREPLY=($(compgen -W 'text json' -- "$cur"))
            else
                COMPREPLY=($(compgen -W 'text json sarif junit prometheus markdown ocsf' -- "$cur"))
            fi
            return 0 ;;
    esac

    local common='--root --config --only --skip --help'
    local opts= words=
    case $sub in
        audit) opts="$common --format --output --fail-on --verbose" ;;
        checks) opts='--format --help' ;;
        explain) opts='--help'; words=$(_runnerguard_check_ids "$cmd") ;;
        config)
            opts='--config --help'
            [[ " ${COMP_WORDS[*]:1:COMP_CWORD-1} " == *" check "* ]] || words=check ;;
        run | daemon) opts=$common ;;
        deliver) opts='--config --help' ;;
        fix)
            opts="$common --apply"
            words=$(_runnerguard_check_ids "$cmd") ;;
        rollback) opts='--root --config --help' ;;
        *) return 0 ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    else
        COMPREPLY=($(compgen -W "$words" -- "$cur"))
    fi
    return 0
}

complete -F _runnerguard runnerguard
