class ValidateStoreConstraints < ActiveRecord::Migration[7.1]
  def up
    validate_foreign_key :stores, :users
    validate_check_constraint :stores, name: "stores_region_null"
    change_column_null :stores, :region, false
    remove_check_constraint :stores, name: "stores_region_null"
  end

  def down
    add_check_constraint :stores, "region IS NOT NULL", name: "stores_region_null", validate: false
    change_column_null :stores, :region, true
  end
end
